// shinchoku's task pane: keep the user's access key on this PC (localStorage of the
// add-in's origin) for auth.js to send with every button.
const KEY = "shinchoku.token";

function show() {
  const state = document.getElementById("signin-state");
  if (!state) return;
  const signedIn = Boolean(localStorage.getItem(KEY));
  state.textContent = signedIn ? state.dataset.signedIn : state.dataset.signedOut;
  state.className = "small mb-2 " + (signedIn ? "text-success" : "text-danger");
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.lang = "ja";
  document.title = "進捗管理";
  // the vendor's "didn't load" notice, in Japanese
  const notice = document.querySelector(".xlwings-office-ready-error-inner .mb-3");
  if (notice) notice.textContent = "アドインを読み込めませんでした。［再読み込み］を押してください。";
  const reload = document.getElementById("xlwings-taskpane-reload-btn");
  if (reload) reload.textContent = "再読み込み";
  const cancel = document.getElementById("xlwings-taskpane-reload-cancel-btn");
  if (cancel) cancel.textContent = "閉じる";
  const input = document.getElementById("signin-token");
  document.getElementById("signin-save")?.addEventListener("click", () => {
    const value = (input.value || "").trim();
    if (value) localStorage.setItem(KEY, value);
    input.value = "";
    show();
  });
  document.getElementById("signin-clear")?.addEventListener("click", () => {
    localStorage.removeItem(KEY);
    show();
  });
  show();
});
