// Log in with an API token (the demo writes one per role to its tokens file).
import { useState } from "preact/hooks";
import { ApiError } from "../lib/api";
import { lang, setLang, t } from "../lib/i18n";
import { navigate } from "../lib/router";
import { login } from "../lib/session";

export function LoginPage() {
  const [token, setTok] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await login(token);
      if (location.pathname === "/" || location.pathname === "/login") navigate("/map", true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t("login.bad") : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form onSubmit={submit} class="panel login-box" aria-labelledby="login-title">
        <div class="brand big">
          <span class="logo" aria-hidden="true">算</span>
          <h1 id="login-title">{t("login.title")}</h1>
        </div>
        <p class="muted">{t("login.hint")}</p>
        <label>
          {t("login.token")}
          <input
            name="token"
            type="password"
            autocomplete="off"
            required
            autoFocus
            value={token}
            onInput={(e) => setTok((e.target as HTMLInputElement).value)}
            placeholder="sl_…"
          />
        </label>
        {error && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            {t("login.submit")}
          </button>
          <button type="button" onClick={() => setLang(lang.get() === "zh" ? "en" : "zh")}>
            {t("app.lang")}
          </button>
        </div>
      </form>
    </div>
  );
}
