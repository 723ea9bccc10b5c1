// The console's shell: login gate, navigation (by role), language toggle, keyboard shortcuts,
// and the page for the current route.
import { useEffect, useState } from "preact/hooks";
import { getToken } from "./lib/api";
import { lang, setLang, t, tv } from "./lib/i18n";
import { navigate, pathParts, route } from "./lib/router";
import { has, login, logout, orgName, session } from "./lib/session";
import { useSignal } from "./lib/signal";
import { LoginPage } from "./pages/Login";
import { MapPage } from "./pages/MapPage";
import { JobsPage } from "./pages/JobsPage";
import { MarketPage } from "./pages/MarketPage";
import { MatchPage } from "./pages/MatchPage";
import { LedgerPage } from "./pages/LedgerPage";
import { VouchersPage } from "./pages/VouchersPage";
import { OpsPage } from "./pages/OpsPage";
import { RegulatorPage } from "./pages/RegulatorPage";
import { GuidePage } from "./pages/GuidePage";

interface NavItem {
  path: string;
  key: string;
  show: () => boolean;
}

const NAV: NavItem[] = [
  { path: "/map", key: "nav.map", show: () => true },
  { path: "/market", key: "nav.market", show: () => true },
  { path: "/match", key: "nav.match", show: () => true },
  { path: "/jobs", key: "nav.jobs", show: () => true },
  { path: "/ledger", key: "nav.ledger", show: () => true },
  { path: "/vouchers", key: "nav.vouchers", show: () => true },
  { path: "/ops", key: "nav.ops", show: () => true },
  { path: "/regulator", key: "nav.regulator", show: () => has("regulator") || has("operator") },
  { path: "/guide", key: "nav.guide", show: () => true },
];

export function App() {
  const s = useSignal(session);
  const r = useSignal(route);
  const l = useSignal(lang);
  const [restoring, setRestoring] = useState(!!getToken() && !session.get());

  useEffect(() => {
    document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
    document.title = t("app.title");
  }, [l]);

  useEffect(() => {
    if (!restoring) return;
    login(getToken()).finally(() => setRestoring(false));
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && /^[1-9]$/.test(e.key)) {
        const items = NAV.filter((n) => n.show());
        const item = items[Number(e.key) - 1];
        if (item) {
          e.preventDefault();
          navigate(item.path);
        }
      } else if (e.key === "/" && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)) {
        const search = document.querySelector<HTMLInputElement>("input[type=search]");
        if (search) {
          e.preventDefault();
          search.focus();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (restoring) return <div class="boot">{t("app.loading")}</div>;
  if (!s) return <LoginPage key={l} />;

  const parts = pathParts(r);
  const top = parts[0] ?? "";
  if (!top || top === "login") {
    navigate("/map", true);
    return null;
  }
  const page = (() => {
    switch (top) {
      case "map":
        return <MapPage />;
      case "jobs":
        return <JobsPage id={parts[1]} />;
      case "market":
        return <MarketPage />;
      case "match":
        return <MatchPage />;
      case "ledger":
        return <LedgerPage />;
      case "vouchers":
        return <VouchersPage />;
      case "ops":
        return <OpsPage />;
      case "regulator":
        return <RegulatorPage />;
      case "guide":
        return <GuidePage />;
      default:
        return <div class="panel">404 · {r}</div>;
    }
  })();

  return (
    <div class="shell" key={l}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("app.skip")}
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">算</span>
          <span>{t("app.title")}</span>
        </div>
        <div class="who" data-testid="who">
          <span>{s.me.user_name}</span>
          <span class="muted">· {orgName(s.me.org_id)}</span>
          {s.me.org_roles.map((ro) => (
            <span class={"badge role-" + ro} key={ro}>
              {tv("role", ro)}
            </span>
          ))}
        </div>
        <div class="top-actions">
          <button onClick={() => setLang(l === "zh" ? "en" : "zh")} data-testid="lang" aria-label="language / 语言">
            {t("app.lang")}
          </button>
          <button onClick={() => { logout(); navigate("/", true); }}>{t("app.logout")}</button>
        </div>
      </header>
      <nav class="sidenav" aria-label="main">
        <ul>
          {NAV.filter((n) => n.show()).map((n, i) => (
            <li key={n.path}>
              <a href={n.path} class={"/" + top === n.path ? "active" : ""} aria-current={"/" + top === n.path ? "page" : undefined} title={`Alt+${i + 1}`}>
                {t(n.key)}
              </a>
            </li>
          ))}
        </ul>
        <p class="keys muted">{t("app.keys")}</p>
      </nav>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}
