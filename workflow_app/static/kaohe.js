/* Kaohe: small progressive enhancements. Every page works without this script.
 *  - the report form saves itself a few seconds after typing stops (fetch + CSRF token);
 *    a save refused because another tab saved first stops autosaving and says so,
 *    leaving the typed text in place; a button pressed during a save waits for it;
 *    the status's data-state is "saved" only once a save covers the last edit;
 *  - indicator rows are added and removed in the page;
 *  - a file over the size limit is refused before it is sent;
 *  - text fields count their characters near their limit;
 *  - the queue's "select all" box and the count of selected items;
 *  - a [data-open-wide] box (the sent-back comparison) opens on a wide screen only;
 *  - [data-print] buttons print the page (the CSP allows no inline handlers).
 */
(function () {
  "use strict";

  var DEFAULT_DELAY_MS = 3000;

  function autosave(form) {
    var status = document.getElementById("autosave-status");
    var delay = Number(form.dataset.autosaveDelay) || DEFAULT_DELAY_MS;
    var timer = null, busy = false, again = false, stopped = false, pending = null;
    // Edits so far. An earlier save's "saved" must not vouch for an edit made after it
    // began (leaving then would lose that edit): data-state says whether the last is in.
    var edits = 0;

    function say(text, state) {
      if (status) { status.textContent = text; status.dataset.state = state; }
    }

    function payload() {
      var data = new FormData(form);
      data.delete("evidence");
      data.set("action", "autosave");
      return data;
    }

    function save() {
      if (stopped) { return; }
      if (busy) { again = true; return; }
      busy = true;
      var covers = edits;
      say(status.dataset.saving, "saving");
      fetch(form.dataset.autosave, {
        method: "POST", body: payload(), credentials: "same-origin",
        headers: {"X-CSRFToken": form.elements.csrf_token.value, "Accept": "application/json"}
      }).then(function (resp) {
        if (resp.status === 413) {  // over the boundary's limit: an HTML page, not JSON
          return {status: 413, body: {message: status.dataset.tooLarge}};
        }
        return resp.json().then(function (body) { return {status: resp.status, body: body}; });
      }).then(function (answer) {
        if (answer.status === 200) {
          form.elements.draft_version.value = answer.body.draft_version;
          say(answer.body.message + " " + new Date().toLocaleTimeString(),
              covers === edits ? "saved" : "unsaved");
        } else {
          say(answer.body.message, "refused");
          if (answer.status === 409) { stopped = true; }
        }
      }).catch(function () {
        say(status.dataset.offline, "offline");
      }).then(function () {
        busy = false;
        if (pending) { finish(pending); return; }
        if (again) { again = false; schedule(); }
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, delay);
    }

    form.addEventListener("input", function (event) {
      if (event.target.type !== "file") {
        edits += 1;
        if (status) { status.dataset.state = "unsaved"; }
        schedule();
      }
    });
    // A button pressed while a save is on its way waits for it: that save moves the
    // draft's version, and the form must send the new one (else a false "changed elsewhere").
    function finish(button) {
      pending = null;
      stopped = true;
      var submitter = button === true ? undefined : button;
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    }

    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      if (busy) {
        event.preventDefault();
        pending = event.submitter || true;
        return;
      }
      stopped = true;
    });
  }

  function renumber(container) {
    var numbers = container.querySelectorAll("[data-row-number]");
    for (var i = 0; i < numbers.length; i++) { numbers[i].textContent = String(i + 1); }
  }

  function rows(form) {
    var container = form.querySelector("[data-rows]");
    var template = document.getElementById("indicator-row-template");
    var add = form.querySelector("[data-add-row]");
    if (!container || !template || !add) { return; }
    var next = container.querySelectorAll("[data-row]").length;
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var html = template.innerHTML.replace(/__index__/g, String(next + 1000));
      next += 1;
      container.insertAdjacentHTML("beforeend", html);
      renumber(container);
      var limited = container.lastElementChild.querySelectorAll("[data-limit]");
      for (var i = 0; i < limited.length; i++) { counter(form, limited[i]); }
      var fresh = container.lastElementChild.querySelector("input");
      if (fresh) { fresh.focus(); }
    });
    container.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (!button) { return; }
      event.preventDefault();
      button.closest("[data-row]").remove();
      renumber(container);
      add.focus();
      form.dispatchEvent(new Event("input"));
    });
  }

  function fileLimit(form) {
    var button = form.querySelector("[data-upload]");
    var input = form.elements.evidence;
    if (!button || !input) { return; }
    button.addEventListener("click", function (event) {
      var file = input.files && input.files[0];
      input.setCustomValidity("");
      if (file && file.size > Number(button.dataset.maxBytes)) {
        event.preventDefault();
        input.setCustomValidity(button.dataset.tooLarge);
        input.reportValidity();
      }
    });
  }

  // Near a field's limit a counter appears under it; over it the counter says by how much.
  // Nothing is cut (the fields have no maxlength): the server refuses text over the limit.
  var NEAR = 0.8;

  function counters(form) {
    var fields = form.querySelectorAll("[data-limit]");
    for (var i = 0; i < fields.length; i++) { counter(form, fields[i]); }
  }

  function counter(form, field) {
    var limit = Number(field.dataset.limit);
    var note = document.createElement("p");
    note.className = "counter";
    note.id = field.id + "-count";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    function update() {
      var n = field.value.length;
      var over = n > limit;
      note.hidden = n < limit * NEAR;
      note.className = "counter " + (over ? "over" : "near");
      var template = over ? form.dataset.counterOver : form.dataset.counterNear;
      note.textContent = template.replace("{n}", n).replace("{limit}", limit)
        .replace("{over}", n - limit);
    }
    field.addEventListener("input", update);
    update();
  }

  function batch(form) {
    var all = form.querySelector("[data-select-all]");
    var items = form.querySelectorAll("[data-item]");
    var counter = form.querySelector("[data-selected-count]");
    function count() {
      var n = form.querySelectorAll("[data-item]:checked").length;
      if (counter) { counter.textContent = n ? counter.dataset.template.replace("{n}", n) : ""; }
    }
    if (all) {
      all.addEventListener("change", function () {
        for (var i = 0; i < items.length; i++) { items[i].checked = all.checked; }
        count();
      });
    }
    form.addEventListener("change", count);
    count();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var report = document.getElementById("report-form");
    if (report) {
      if (report.dataset.autosave && window.fetch && window.FormData) { autosave(report); }
      rows(report);
      fileLimit(report);
      counters(report);
    }
    var wide = window.matchMedia && window.matchMedia("(min-width: 40rem)").matches;
    var boxes = document.querySelectorAll("details[data-open-wide]");
    for (var j = 0; j < boxes.length; j++) { boxes[j].open = wide; }
    var queue = document.getElementById("batch");
    if (queue) { batch(queue); }
    var printers = document.querySelectorAll("[data-print]");
    for (var i = 0; i < printers.length; i++) {
      printers[i].addEventListener("click", function () { window.print(); });
    }
  });
}());
