"""Vocabularies for field extraction: legal forms, titles, departments, places, surnames.

Kept in one place so that every list can be reviewed and extended without touching rules.
"""

from __future__ import annotations

import re

JP_LEGAL_FORMS = (
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
    "公益社団法人", "公益財団法人", "特定非営利活動法人", "NPO法人", "学校法人", "医療法人",
    "社会福祉法人", "独立行政法人", "国立大学法人", "(株)", "(有)", "(同)", "㈱", "㈲",
)
EN_LEGAL_FORM = re.compile(
    r"\b(Inc|Ltd|LLC|L\.L\.C|PLC|plc|Co|Corp|Corporation|Company|GmbH|AG|S\.A|K\.K|KK|LLP|LP|Limited|"
    r"Holdings|Group|Partners|Associates|Enterprises|Industries|Technologies|Solutions|Labs?)\b\.?"
    r"|\b(and|&) Sons\b",
)

# Japanese titles (役職); a token that ends with one of these is a title.
JP_TITLES = (
    "代表取締役社長", "代表取締役会長", "代表取締役", "取締役社長", "取締役副社長", "専務取締役", "常務取締役",
    "取締役", "社外取締役", "執行役員", "上席執行役員", "執行役", "監査役", "会長", "副会長", "社長", "副社長",
    "専務", "常務", "理事長", "理事", "顧問", "相談役", "参与", "本部長", "副本部長", "事業部長", "部長", "副部長",
    "次長", "室長", "課長", "課長代理", "係長", "主任", "主査", "主幹", "所長", "支店長", "支社長", "工場長",
    "店長", "センター長", "グループ長", "チーム長", "リーダー", "チームリーダー", "グループリーダー",
    "マネージャー", "マネジャー", "ゼネラルマネージャー", "ディレクター", "エンジニア", "シニアエンジニア",
    "プロデューサー", "デザイナー", "コンサルタント", "スペシャリスト", "アナリスト", "プランナー",
    "アーキテクト", "サイエンティスト", "研究員", "主任研究員", "担当", "代表", "社員", "会計士", "弁護士",
    "税理士", "教授", "准教授", "講師", "院長", "局長", "部員", "営業担当",
)
EN_TITLE = re.compile(
    r"\b(CEO|CTO|CFO|COO|CIO|CMO|CSO|CISO|VP|SVP|EVP|President|Vice President|Chairman|Chairwoman|Chair|"
    r"Director|Manager|Engineer|Executive|Officer|Researcher|Consultant|Designer|Analyst|Specialist|Lead|"
    r"Head of|Partner|Founder|Co-Founder|Associate|Coordinator|Administrator|Developer|Architect|Scientist|"
    r"Representative|Secretary|Accountant|Attorney|Advisor|Adviser|Assistant|Supervisor|Producer|Editor|"
    r"Professor|Agent|Strategist|Planner|Technician|Owner|Principal|Intern)s?\b",
    re.IGNORECASE,
)
# Japanese department (部署) suffixes; a token ending with one is part of the department.
JP_DEPARTMENT_SUFFIXES = (
    "本部", "事業部", "部", "課", "室", "センター", "グループ", "チーム", "支店", "支社", "営業所", "研究所",
    "局", "工場", "部門", "ユニット", "オフィス", "事務所", "係", "班", "推進部", "統括部",
)
EN_DEPARTMENT = re.compile(r"\b(Department|Dept|Division|Div)\b\.?", re.IGNORECASE)

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
JP_ADDRESS_MARK = re.compile(r"(都|道|府|県|市|区|町|村|郡).*(\d|[一二三四五六七八九十]+丁目|番地?|号)")

# The most common Japanese surnames (about half of the population); used only as evidence.
JP_SURNAMES = frozenset(
    """佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 渡邉 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 斉藤 齋藤
    清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 斉藤
    福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 内田
    柴田 酒井 宮崎 横山 高木 安藤 宮本 大野 小島 谷口 今井 工藤 高田 増田 丸山 杉山 村田 大塚 新井 小山 平野
    藤本 河野 上野 野口 武田 松井 千葉 岩崎 菅原 木下 久保 佐野 野村 松尾 市川 菊地 杉本 古川 大西 島田 水野
    桜井 高野 渡部 吉川 山内 西田 飯田 菊池 西川 小松 北村 安田 五十嵐 川口 平田 関 中田 久保田 服部 東 岩田
    土屋 川村 本田 辻 樋口 秋山 田口 永井 山中 中西 吉村 川上 大橋 石原 松岡 浜田 馬場 森本 矢野 浅野 小池 松下
    大久保 吉岡 野田 荒木 大谷 内藤 松浦 熊谷 黒田 尾崎 永田 川崎 望月 田辺 松村 荒井 堀 大島 平井 早川 菅野 栗原
    西山 広瀬 横田 石橋 萩原 岩本 片山 関口 宮田 大石 高山 本間 吉野 須藤 岡崎 小田 伊東 鎌田 上原 篠原 小西 松原
    福島 古田 大川 西尾 南 奥村 岡村 内山 堤 宮下 三宅 成田 田代 桑原 今村 川島 中尾 星野 小倉 森山 富田 坂口
    山崎 髙橋 髙木 﨑山 浅井 奥田 岡 村井 北川 大森 小澤 小沢 小坂 竹田 西 細川 宮川 河合 堀内 大和 白石 安田""".split()
)
