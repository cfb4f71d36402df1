"""``python -m examples.crm_sync``: keep a SQLite database in step with an organisation's change feed.

    MEISHI_TOKEN=... python -m examples.crm_sync --url http://127.0.0.1:8000 --db crm.sqlite \\
        [--listen 127.0.0.1:9000 --secret whsec_...] [--interval 60] [--once]

With ``--listen`` a webhook receiver (subscribe it with POST /api/v1/webhooks) wakes the client at once;
without it the client polls every ``--interval`` seconds. ``--once`` syncs and exits (for cron).
"""

from __future__ import annotations

import argparse
import os
import threading
from wsgiref.simple_server import make_server

from examples.crm_sync.client import SyncClient, UrlHttp, follow
from examples.crm_sync.receiver import make_receiver
from examples.crm_sync.store import Store


def main(argv: list[str] | None = None) -> int:
    """Run the client; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m examples.crm_sync", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Meishi's base URL")
    parser.add_argument("--db", required=True, help="the target SQLite database")
    parser.add_argument("--token", default=os.environ.get("MEISHI_TOKEN"), help="API token (changes:read)")
    parser.add_argument("--listen", help="HOST:PORT of the webhook receiver")
    parser.add_argument(
        "--secret", default=os.environ.get("MEISHI_WEBHOOK_SECRET"), help="the webhook's secret"
    )
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    parser.add_argument("--once", action="store_true", help="sync once and exit")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an API token is needed (--token or MEISHI_TOKEN)")
    client = SyncClient(UrlHttp(args.url, args.token), Store(args.db))
    if args.once:
        print(f"applied {client.sync()} changes")
        return 0
    wake, stop = threading.Event(), threading.Event()
    if args.listen:
        if not args.secret:
            parser.error("--listen needs the webhook's secret (--secret or MEISHI_WEBHOOK_SECRET)")
        host, _, port = args.listen.rpartition(":")
        server = make_server(host or "127.0.0.1", int(port), make_receiver(args.secret, wake.set))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        follow(client, wake, interval=args.interval, stop=stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
