// The audit form on a weak connection. Each answer is posted as soon as it is given;
// until the server confirms it, it waits in localStorage under the draft's client id
// and is sent again when the connection returns (or the page is opened again).
// "Saved" is shown only after the server answered, so it is in the database.
// Answers go one request at a time, in the order given. Without this script the page
// is an ordinary form with "Save" and "Submit".
(function () {
  "use strict";
  var store = window.localStorage;

  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or blocked */ }
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The result page after a submission: the draft is done, forget what it kept.
  var done = document.querySelector("[data-clear-draft]");
  if (done) {
    store.removeItem("audit-draft:" + done.dataset.clearDraft);
    store.removeItem("audit-client-id:" + done.dataset.audit);
  }

  var form = document.getElementById("audit-form");
  if (!form) { return; }
  var data = form.dataset;
  var idKey = "audit-client-id:" + data.audit;
  var idInput = form.querySelector("input[name=client_id]");
  var clientId = data.claimed || read(idKey) || idInput.value;
  write(idKey, clientId);
  idInput.value = clientId;
  var draftKey = "audit-draft:" + clientId;
  var pending = read(draftKey) || {};
  var queue = [];
  var busy = false;
  var banner = document.getElementById("audit-offline");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  // A unit is what one request saves: an item (answer and comment), a step's
  // employee, or the visit details.
  function unitOf(el) { return el.closest("[data-unit], .audit-items > li"); }
  function keyOf(unit) { return unit.dataset.unit || unit.id; }
  function unitEl(key) {
    return form.querySelector('[data-unit="' + key + '"]') || document.getElementById(key);
  }
  function unitUrl(key) {
    if (key === "visit") { return data.visitUrl; }
    var parts = key.split("-");
    return (parts[0] === "item" ? data.itemUrl : data.stepUrl).replace(/\/0\/$/, "/" + parts[1] + "/");
  }
  function fields(unit) {
    var values = {};
    unit.querySelectorAll("[name]").forEach(function (input) {
      if (input.type === "file" || input.type === "submit") { return; }
      if (input.type === "radio") {
        if (input.checked) { values[input.name] = input.value; }
        else if (!(input.name in values)) { values[input.name] = ""; }
        return;
      }
      values[input.name] = input.value;
    });
    return values;
  }
  function restore(unit, values) {
    Object.keys(values).forEach(function (name) {
      unit.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "radio") { input.checked = input.value === values[name]; }
        else { input.value = values[name]; }
      });
    });
  }
  function state(unit, text, kind, html) {
    var box = unit && unit.querySelector(".st");
    if (!box) { return; }
    box.className = "st" + (kind ? " " + kind : "");
    if (html) { box.innerHTML = html; } else { box.textContent = text; }
  }
  function offline(on) { if (banner) { banner.hidden = !on; } }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function send(key) {
    if (queue.indexOf(key) < 0) { queue.push(key); }
    pump();
  }
  function pump() {
    if (busy || !queue.length) { return; }
    var key = queue.shift();
    var unit = unitEl(key);
    var values = pending[key];
    if (!unit || !values) { delete pending[key]; write(draftKey, pending); pump(); return; }
    busy = true;
    state(unit, data.msgSending, "st-wait");
    var body = new FormData();
    Object.keys(values).forEach(function (name) { body.append(name, values[name]); });
    body.append("client_id", clientId);
    fetch(unitUrl(key), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token },
    }).then(function (response) {
      return response.text().then(function (text) {
        busy = false;
        if (response.redirected) {
          // Signed out: keep the answer here until the auditor signs in again.
          state(unit, data.msgLogin, "st-err");
        } else if (response.status >= 500) {
          state(unit, data.msgWaiting, "st-wait");
        } else {
          // Saved, or refused for good (422, 409): resending cannot help either way.
          if (same(pending[key], values)) { delete pending[key]; write(draftKey, pending); }
          else { queue.push(key); }
          state(unit, "", "", text);
        }
        pump();
      });
    }).catch(function () {
      // No connection: everything queued waits for the "online" event.
      busy = false;
      queue = [];
      state(unit, data.msgWaiting, "st-wait");
      offline(true);
    });
  }
  function flush() { Object.keys(pending).forEach(send); }

  function progress(step) {
    if (!step) { return; }
    var box = step.querySelector("[data-progress]");
    if (box) {
      box.textContent = step.querySelectorAll(".audit-items input[type=radio]:checked").length +
        "/" + step.querySelectorAll(".audit-items > li").length;
    }
  }

  function upload(input, unit) {
    var file = input.files && input.files[0];
    var id = unit.id.split("-")[1];
    var photos = document.getElementById("photos-" + id);
    if (!file) { return; }
    var body = new FormData();
    body.append("photo-" + id, file);
    fetch(data.photoUrl.replace(/\/0\/photos\/$/, "/" + id + "/photos/"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
    }).then(function (response) {
      return response.text().then(function (text) {
        if (photos && response.status < 500 && !response.redirected) { photos.outerHTML = text; }
      });
    }).catch(function () {
      if (photos) {
        var note = document.createElement("small");
        note.className = "field-error";
        note.setAttribute("role", "alert");
        note.textContent = data.msgPhotoOffline;
        photos.appendChild(note);
      }
    }).then(function () { input.value = ""; });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var unit = unitOf(input);
    if (!unit) { return; }
    if (input.type === "file") { upload(input, unit); return; }
    var key = keyOf(unit);
    pending[key] = fields(unit);
    write(draftKey, pending);
    state(unit, data.msgWaiting, "st-wait");
    progress(unit.closest(".audit-step"));
    send(key);
  });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-submit") && !navigator.onLine) {
      event.preventDefault();
      offline(true);
      if (banner) { banner.textContent = data.msgOfflineSubmit; banner.focus(); }
    }
  });

  window.addEventListener("online", function () { offline(false); flush(); });
  window.addEventListener("offline", function () { offline(true); });

  // Whatever a closed tab left unsent comes back into the form and is sent again.
  Object.keys(pending).forEach(function (key) {
    var unit = unitEl(key);
    if (!unit) { delete pending[key]; return; }
    restore(unit, pending[key]);
    state(unit, data.msgWaiting, "st-wait");
    progress(unit.closest(".audit-step"));
  });
  write(draftKey, pending);
  if (!navigator.onLine) { offline(true); }
  flush();
})();
