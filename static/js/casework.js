// Casework pages (支援経過・モニタリング): 定型文 insertion with the keyboard, and a draft autosave that keeps a
// copy on the device and retries until the server has it (a visit with a flaky connection loses nothing).
(function () {
  if (window.rkCasework) return;
  window.rkCasework = true;

  // ---- 定型文: choosing a phrase inserts it at the caret of the content field.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-phrase-target]");
    if (!select || !select.value) return;
    var area = document.getElementById(select.getAttribute("data-phrase-target"));
    if (!area) return;
    var start = area.selectionStart != null ? area.selectionStart : area.value.length;
    var end = area.selectionEnd != null ? area.selectionEnd : area.value.length;
    var text = select.value;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + text.length;
    select.value = "";
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "t" || event.key === "T")) {
      var picker = document.querySelector("select[data-phrase-target]");
      if (picker) { event.preventDefault(); picker.focus(); }
    }
  });

  // ---- Draft autosave with retry.
  function setup(form) {
    var url = form.getAttribute("data-casework-draft");
    var key = "renkei-draft:" + url;
    var status = form.querySelector("[data-draft-status]");
    var state = form.getAttribute("data-draft-state") || "";  // "draft" kept, "saved" record saved since, ""
    var timer = null, retryTimer = null, delay = 5000, sending = false, dirty = false;

    function say(text, warn) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("cw-draft-warn", !!warn);
    }
    function fields() {
      var data = {};
      new FormData(form).forEach(function (value, name) {
        if (name === "csrfmiddlewaretoken" || name === "form_token") return;
        (data[name] = data[name] || []).push(String(value));
      });
      return data;
    }
    function keepLocal(synced, submitted) {
      try {
        localStorage.setItem(key, JSON.stringify({ data: fields(), synced: synced, submitted: !!submitted, at: Date.now() }));
      } catch (e) { /* storage full or disabled: the server copy still works */ }
    }
    function send() {
      if (sending) { dirty = true; return; }
      sending = true; dirty = false;
      var body = new FormData(form);
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (json) {
          sending = false; delay = 5000;
          if (dirty) { send(); return; }
          keepLocal(true);
          say("下書きを自動保存しました（" + json.saved_at + "）。");
        })
        .catch(function () {
          sending = false;
          keepLocal(false);
          say("通信できないため、下書きはこの端末に保存しています。つながり次第、自動で送ります。", true);
          clearTimeout(retryTimer);
          retryTimer = setTimeout(send, delay);
          delay = Math.min(delay * 2, 60000);
        });
    }
    function changed() {
      keepLocal(false);
      clearTimeout(timer);
      timer = setTimeout(send, 1500);
    }
    function restore(data) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || !(el.name in data) || el.name === "csrfmiddlewaretoken" || el.name === "form_token") return;
        var values = data[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
        else if (el.tagName === "SELECT") Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
        else if (el.type !== "hidden" && el.type !== "submit") el.value = values[0];
      });
    }

    var local = null;
    try { local = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { local = null; }
    function forget() { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } local = null; }
    // the device copy holds personal data: it is kept one day at most, like the server draft
    if (local && (!local.at || Date.now() - local.at > 24 * 3600 * 1000)) forget();
    if (local && local.submitted && state === "saved") {
      forget();  // sent with the form and saved (the server empties the draft only then)
    } else if (local && (local.submitted || !local.synced)) {
      // the form never arrived, or the server never got this version: put it back and send it
      restore(local.data);
      say("保存されていない入力をこの端末から復元しました。内容を確かめて保存してください（下書きは自動で送ります）。", true);
      send();
    } else if (local && state !== "draft") {
      forget();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { clearTimeout(timer); clearTimeout(retryTimer); keepLocal(false, true); });
    window.addEventListener("online", function () { if (retryTimer) { clearTimeout(retryTimer); send(); } });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-casework-draft]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
