/* Meishi web app: the capture page's uploads and the review page's keyboard. No inline script (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* ---- capture ---- */
  function setupCapture(form) {
    var list = document.getElementById("files");
    var template = document.getElementById("file-row");
    var uploadButton = document.getElementById("upload");
    var errorLine = document.getElementById("capture-error");
    var batchBox = document.getElementById("batch");
    var texts = document.getElementById("capture-texts").dataset;
    var items = [];  // {file, key, row, back: bool, state}
    var batch = null;
    var uploaded = 0;

    function label(row, state) {
      var el = row.querySelector(".file-state");
      el.textContent = el.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)] || state;
    }

    function refresh() {
      uploadButton.disabled = batch !== null || !items.some(function (it) { return !it.back; });
      items.forEach(function (it, i) {
        var box = it.row.querySelector(".is-back");
        box.disabled = i === 0 || batch !== null;
        it.row.classList.toggle("is-back", it.back);
      });
    }

    function addFiles(files) {
      Array.prototype.forEach.call(files, function (file) {
        var row = template.content.firstElementChild.cloneNode(true);
        var item = {file: file, key: newKey(), row: row, back: false, state: "waiting"};
        row.querySelector(".file-name").textContent = file.name + " (" + Math.round(file.size / 1024) + " KB)";
        var thumb = row.querySelector(".thumb");
        if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) { thumb.src = URL.createObjectURL(file); }
        row.querySelector(".is-back").addEventListener("change", function (e) { item.back = e.target.checked; refresh(); });
        row.querySelector(".remove").addEventListener("click", function () {
          if (batch !== null) { return; }
          items.splice(items.indexOf(item), 1); row.remove(); refresh();
        });
        row.querySelector(".retry").addEventListener("click", function () {
          send(cardOf(item), 0).then(function () { setTimeout(poll, 1000); });
        });
        list.appendChild(row);
        items.push(item);
      });
      refresh();
    }

    ["take", "pick"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function (e) { addFiles(e.target.files); e.target.value = ""; });
    });

    function cards() {
      var out = [];
      items.forEach(function (it) {
        if (it.back && out.length) { out[out.length - 1].back = it; } else { out.push({front: it, back: null}); }
      });
      return out;
    }

    function cardOf(item) {
      return cards().filter(function (c) { return c.front === item || c.back === item; })[0];
    }

    function mark(card, state, percent) {
      [card.front, card.back].forEach(function (it) {
        if (!it) { return; }
        it.state = state;
        it.row.classList.toggle("failed", state === "failed");
        it.row.classList.toggle("done", state === "uploaded");
        it.row.querySelector(".retry").hidden = state !== "failed";
        if (percent !== undefined) { it.row.querySelector("progress").value = percent; }
        label(it.row, state);
      });
    }

    function send(card, attempt) {
      return new Promise(function (resolve) {
        var data = new FormData();
        data.append("front", card.front.file, card.front.file.name);
        if (card.back) { data.append("back", card.back.file, card.back.file.name); }
        if (batch.event_id) { data.append("event_id", batch.event_id); }
        (batch.tags || []).forEach(function (t) { data.append("tags", t); });
        if (batch.exchanged_at) { data.append("exchanged_at", batch.exchanged_at); }
        if (batch.location) { data.append("location", batch.location); }
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.dataset.uploadUrl.replace("BATCH", batch.batch_id));
        xhr.setRequestHeader("X-CSRFToken", csrfToken());
        xhr.setRequestHeader("Idempotency-Key", card.front.key);
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) { mark(card, "uploading", Math.round(100 * e.loaded / e.total)); } };
        function retryLater(message) {
          if (attempt < 4) {
            mark(card, "retrying");
            setTimeout(function () { send(card, attempt + 1).then(resolve); }, 1000 * Math.pow(2, attempt));
          } else {
            mark(card, "failed");
            card.front.row.querySelector(".file-state").textContent += message ? ": " + message : "";
            resolve(false);
          }
        }
        xhr.onload = function () {
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
          if (xhr.status === 202) {
            if (card.front.state !== "uploaded") { uploaded += 1; }
            mark(card, "uploaded", 100);
            updateCount("uploaded", uploaded);
            resolve(true);
          } else if (xhr.status >= 500 || xhr.status === 409 || xhr.status === 429 || xhr.status === 0) {
            retryLater(body.error);
          } else {
            mark(card, "failed");
            card.front.row.querySelector(".file-state").textContent += body.error ? ": " + body.error : "";
            resolve(false);
          }
        };
        xhr.onerror = function () { showError(texts.offline); retryLater(""); };
        mark(card, "uploading", 0);
        xhr.send(data);
      });
    }

    function updateCount(name, value) {
      var el = batchBox.querySelector("[data-count=" + name + "]");
      if (el) { el.textContent = String(value); }
    }

    function showError(message) {
      errorLine.textContent = message || "";
      errorLine.hidden = !message;
    }

    function poll() {
      fetch(form.dataset.statusUrl.replace("BATCH", batch.batch_id), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var s = body.summary || {};
          updateCount("processing", (s.queued || 0) + (s.processing || 0));
          updateCount("needs_review", s.needs_review || 0);
          updateCount("completed", s.completed || 0);
          updateCount("failed", s.failed || 0);
          var pending = items.some(function (it) { return it.state !== "uploaded" && it.state !== "failed"; });
          var state = document.getElementById("batch-state");
          if (body.settled && !pending) {
            state.textContent = texts.settled;
            batchBox.dataset.settled = "true";
          } else {
            state.textContent = texts.working;
            setTimeout(poll, 1500);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (batch !== null) { return; }
      showError("");
      uploadButton.disabled = true;
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"X-CSRFToken": csrfToken()}})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (res) {
          if (!res.ok) { showError(res.body.error); uploadButton.disabled = false; return; }
          batch = res.body;
          refresh();
          batchBox.hidden = false;
          var review = document.getElementById("batch-review");
          review.href = form.dataset.reviewUrl + "?batch_id=" + encodeURIComponent(batch.batch_id);
          review.hidden = false;
          var queue = cards().slice();
          function worker() {
            var next = queue.shift();
            return next ? send(next, 0).then(worker) : Promise.resolve();
          }
          Promise.all([worker(), worker()]).then(function () { showError(""); });
          setTimeout(poll, 1500);
        })
        .catch(function () { showError(texts.offline); uploadButton.disabled = false; });
    });
  }

  /* ---- review ---- */
  function setupReview(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll(".frow input:not([readonly])"));
    inputs.forEach(function (input, i) {
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && !e.isComposing) {
          e.preventDefault();
          var next = inputs[i + 1] || document.getElementById("confirm");
          if (next) { next.focus(); }
        }
      });
      var name = input.name.replace(/^field-/, "");
      var box = document.querySelector(".box[data-field='" + name + "']");
      if (box) {
        input.addEventListener("focus", function () { box.classList.add("active"); });
        input.addEventListener("blur", function () { box.classList.remove("active"); });
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        var confirm = document.getElementById("confirm");
        if (confirm) { e.preventDefault(); form.requestSubmit(confirm); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var capture = document.getElementById("capture");
    if (capture) { setupCapture(capture); }
    var review = document.getElementById("review-form");
    if (review) { setupReview(review); }
  });
}());
