// xlwings Server asks globalThis.getAuth() for the Authorization header of every call.
// Token sign-in: the access key saved in the task pane (shinchoku.js). Entra ID: the
// vendor's provider (its access token), when the server is set up for it.
globalThis.getAuth = async function () {
  if (config.authProviders.includes("entraid")) {
    const token = await xlwings.getAccessToken();
    return { token: token, provider: "entraid" };
  }
  return { token: localStorage.getItem("shinchoku.token") || "", provider: "" };
};
