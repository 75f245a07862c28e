// The quiz, enhanced: one question at a time, a server-synced countdown, every answer
// autosaved (kept in the browser too, retried with backoff), a confirm step, and a submit
// by itself at the deadline. Without this script the page is a plain form that still works.
(function () {
  "use strict";
  var form = document.getElementById("quiz");
  if (!form || !window.fetch) return;
  var attemptId = form.dataset.attempt;
  var storeKey = "cuocthi-bai-" + attemptId;
  var panels = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var total = parseInt(form.dataset.total, 10);
  var timer = document.getElementById("timer");
  var live = document.getElementById("timer-live");
  var status = document.getElementById("save-status");
  var progress = document.getElementById("progress");
  var deadline = Date.parse(timer.dataset.deadline);
  var skew = Date.parse(timer.dataset.now) - Date.now();  // server clock minus ours
  var current = 0, retryDelay = 1000, retryTimer = null, saving = false, submitting = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  var state = load();
  state.answers = state.answers || {};
  state.pending = state.pending || {};
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* full or private */ }
  }

  // Answers kept in this browser win over the page: they may not have reached the server.
  Object.keys(state.answers).forEach(function (qid) {
    var input = form.querySelector('input[name="q' + qid + '"][value="' + state.answers[qid] + '"]');
    if (input) input.checked = true;
  });
  var prediction = document.getElementById("f-prediction");
  if (state.prediction) prediction.value = state.prediction;

  function answers() {
    var found = {};
    panels.forEach(function (panel) {
      var qid = panel.dataset.question;
      if (!qid) return;
      var checked = panel.querySelector("input:checked");
      if (checked) found[qid] = parseInt(checked.value, 10);
    });
    return found;
  }

  function say(text) { status.textContent = text; }

  function save() {
    if (saving || submitting || !Object.keys(state.pending).length) return;
    saving = true;
    var batch = Object.assign({}, state.pending);  // a copy: answers keep arriving meanwhile
    say("Đang lưu…");
    fetch("/api/v1/attempts/" + attemptId + "/answers", {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ answers: batch })
    }).then(function (response) {
      saving = false;
      if (response.ok) {
        Object.keys(batch).forEach(function (qid) {
          if (state.pending[qid] === batch[qid]) delete state.pending[qid];
        });
        persist();
        retryDelay = 1000;
        if (Object.keys(state.pending).length) {
          save();  // answers given meanwhile: "saved" only once nothing is waiting
        } else {
          say("Đã lưu câu trả lời.");
        }
      } else if (response.status === 409) {
        say("Đã hết giờ làm bài.");
      } else { retry(); }
    }).catch(function () { saving = false; retry(); });
  }

  function retry() {
    say("Mất kết nối: câu trả lời vẫn được giữ trên máy và sẽ được gửi lại.");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(save, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }
  window.addEventListener("online", function () { retryDelay = 1000; save(); submitIfWaiting(); });

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio") return;
    var qid = input.name.slice(1);
    state.answers[qid] = parseInt(input.value, 10);
    state.pending[qid] = state.answers[qid];
    persist();
    drawJump();
    save();
  });
  prediction.addEventListener("input", function () { state.prediction = prediction.value; persist(); });

  // One question at a time, with progress and a grid to jump between questions.
  var nav = document.getElementById("quiz-nav");
  var jump = document.getElementById("jump");
  var submitButton = document.getElementById("submit");
  nav.hidden = false; jump.hidden = false; progress.hidden = false;
  panels.forEach(function (panel, index) {
    if (index === panels.length - 1) return;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = String(index + 1);
    button.setAttribute("aria-label", "Câu " + (index + 1));
    button.addEventListener("click", function () { show(index, true); });
    jump.appendChild(button);
  });
  function drawJump() {
    var done = answers();
    Array.prototype.forEach.call(jump.children, function (button, index) {
      var answered = done[panels[index].dataset.question] !== undefined;
      button.className = (answered ? "answered" : "") + (index === current ? " current" : "");
      button.setAttribute("aria-current", index === current ? "step" : "false");
    });
  }
  function show(index, scroll) {
    current = Math.max(0, Math.min(index, panels.length - 1));
    if (scroll) window.scrollTo(0, 0);
    panels.forEach(function (panel, i) { panel.hidden = i !== current; });
    progress.textContent = current < total ? "Câu " + (current + 1) + "/" + total : "Câu dự đoán";
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").hidden = current === panels.length - 1;
    submitButton.hidden = current !== panels.length - 1;
    drawJump();
  }
  document.getElementById("prev").addEventListener("click", function () { show(current - 1, true); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1, true); });
  show(0);

  // Submitting: confirm first; at the deadline, by itself.
  var confirmBox = document.getElementById("confirm");
  var waitingToSubmit = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter && event.submitter.id === "confirm-yes") { submit(); return; }
    var missing = total - Object.keys(answers()).length;
    document.getElementById("confirm-text").textContent = missing
      ? "Bạn còn " + missing + " câu chưa trả lời. Bạn có chắc muốn nộp bài?"
      : "Bạn đã trả lời tất cả các câu. Nộp bài ngay?";
    confirmBox.hidden = false;
    submitButton.hidden = true;
    document.getElementById("confirm-yes").focus();
  });
  document.getElementById("confirm-no").addEventListener("click", function () {
    confirmBox.hidden = true;
    show(current);
  });

  function submitIfWaiting() { if (waitingToSubmit) submit(); }
  function submit() {
    if (submitting) return;
    submitting = true;
    waitingToSubmit = true;
    say("Đang nộp bài…");
    var value = parseInt(prediction.value, 10);
    fetch("/api/v1/attempts/" + attemptId + "/submit", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        answers: answers(), prediction: isNaN(value) ? null : value, ticket: form.dataset.ticket
      })
    }).then(function (response) {
      if (response.ok || (response.status >= 400 && response.status < 500)) {
        localStorage.removeItem(storeKey);
        window.location.href = "/c/" + form.dataset.slug + "/ket-qua/" + attemptId;
        return;
      }
      throw new Error("server " + response.status);
    }).catch(function () {
      submitting = false;
      say("Chưa gửi được bài vì mất kết nối; đang thử lại…");
      clearTimeout(retryTimer);
      retryTimer = setTimeout(submit, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  var lastAnnounced = null;
  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    timer.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (minutes !== lastAnnounced && (minutes <= 5 || minutes % 5 === 0)) {
      lastAnnounced = minutes;
      live.textContent = "Còn " + minutes + " phút";
    }
    if (left === 0) {
      live.textContent = "Hết giờ: bài được nộp tự động.";
      submit();
      return;
    }
    setTimeout(tick, 1000 - (Date.now() % 1000));
  }
  tick();
  save();
})();
