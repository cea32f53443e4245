// The 進捗管理 ribbon tab: each button runs the script of the same id (manifest.xml's
// FunctionName), as the task pane's buttons do.
function shinchokuRibbon(scriptName) {
  return async function (event) {
    const auth = typeof globalThis.getAuth === "function"
      ? await globalThis.getAuth()
      : { token: "", provider: "" };
    try {
      await xlwings.runPython({
        auth: auth.token,
        scriptName: scriptName,
        headers: auth.provider ? { "Auth-Provider": auth.provider } : {},
      });
    } finally {
      event.completed();
    }
  };
}

(function () {
  const data = document.getElementById("shinchoku-buttons");
  const buttons = data ? JSON.parse(data.textContent) : [];
  Office.onReady(() => {
    for (const b of buttons) {
      Office.actions.associate(b.id, shinchokuRibbon(b.id));
    }
  });
})();
