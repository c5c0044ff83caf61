// The session screens of the dosing station, usable by keyboard alone:
//   Esc goes back to the board; 1-4 choose the sedation score; Enter on a tick box, a radio
//   button or a closed drop-down list submits its form (browsers do it only for text fields); the first field with an error takes the focus;
//   Alt+letter works the screen's access keys; the observation countdown; the mL a dose draws;
//   the remainder block of a partial dose.
(function () {
  "use strict";

  function isTyping(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && ["checkbox", "radio", "submit", "button"].indexOf(element.type) < 0;
  }

  // Access keys (Alt+letter). Chromium handles them itself and marks the keydown as handled;
  // where it did not (another browser's modifier, or keys sent by automation), do it here.
  function accessKey(event) {
    var letter = /^Key([A-Z])$/.exec(event.code || "");
    if (!letter || event.defaultPrevented) {
      return false;
    }
    var target = document.querySelector('[accesskey="' + letter[1].toLowerCase() + '"]');
    if (!target) {
      return false;
    }
    event.preventDefault();
    target.focus();
    target.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      accessKey(event);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (event.key === "Escape") {
      var station = document.querySelector("[data-escape-href]");
      if (station && station.getAttribute("data-escape-href")) {
        event.preventDefault();
        window.location.assign(station.getAttribute("data-escape-href"));
      }
      return;
    }
    if (event.key === "Enter" && target && target.form &&
        (target.type === "checkbox" || target.type === "radio" || target.tagName === "SELECT")) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (/^[1-4]$/.test(event.key) && !isTyping(target)) {
      var group = document.querySelector("[data-number-keys]");
      var radio = group && group.querySelector('input[type="radio"][value="' + event.key + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.focus();
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  function focusFirstError() {
    var field = document.querySelector(
      ".station .has-error input:not([type=hidden]), .station .has-error select, .station .has-error textarea"
    );
    if (field) {
      field.focus();
    }
  }

  function countdown() {
    var box = document.querySelector("[data-countdown]");
    if (!box) {
      return;
    }
    var until = Number(box.getAttribute("data-until")) * 1000;
    var offset = Number(box.getAttribute("data-now")) * 1000 - Date.now();
    var text = box.querySelector("[data-obs-left]");
    function pad(value) {
      return value < 10 ? "0" + value : String(value);
    }
    function tick() {
      var left = until - (Date.now() + offset);
      if (left <= 0) {
        text.textContent = "Observation time is over";
        box.classList.add("over");
        return;
      }
      var seconds = Math.ceil(left / 1000);
      text.textContent = Math.floor(seconds / 60) + ":" + pad(seconds % 60) + " left";
      window.setTimeout(tick, 1000 - ((Date.now() + offset) % 1000));
    }
    tick();
  }

  function millilitres() {
    var form = document.querySelector("[data-ml-form]");
    var data = document.getElementById("lot-strengths");
    if (!form || !data) {
      return;
    }
    var strengths = JSON.parse(data.textContent);
    var lot = form.querySelector("[data-ml-source]");
    var dose = form.querySelector("[data-ml-dose]");
    var out = form.querySelector("[data-ml-output]");
    function update() {
      var strength = Number(strengths[lot.value] || 0);
      var mg = Number(String(dose.value).replace(",", "."));
      if (!lot.value || !(mg > 0)) {
        out.textContent = "—";
      } else if (!(strength > 0)) {
        out.textContent = "not a liquid";
      } else {
        out.textContent = String(Number((mg / strength).toFixed(3))) + " mL";
      }
    }
    lot.addEventListener("change", update);
    dose.addEventListener("input", update);
    update();
  }

  function remainder() {
    var form = document.querySelector("[data-remainder-form]");
    var block = form && form.querySelector("[data-remainder]");
    var dose = form && form.querySelector("[data-given-dose]");
    if (!block || !dose || !block.hasAttribute("data-hidden-until-partial")) {
      return;
    }
    var prepared = Number(form.getAttribute("data-prepared"));
    function update() {
      var given = Number(String(dose.value).replace(",", "."));
      block.hidden = !(given > 0 && prepared > 0 && given < prepared);
    }
    dose.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError();
    countdown();
    millilitres();
    remainder();
  });
})();
