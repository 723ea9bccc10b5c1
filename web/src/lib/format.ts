// Numbers, money and time as people read them: fen shown as yuan, big counts grouped.
import { lang } from "./i18n";

// The platform's periods (statements, vouchers) are calendar days in UTC+8: show times there.
const TZ = "Asia/Shanghai";

const locale = () => (lang.get() === "zh" ? "zh-CN" : "en-GB");

export function num(n: number | undefined | null, digits = 0): string {
  if (n === undefined || n === null || Number.isNaN(n)) return "–";
  return n.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function yuan(fen: number | undefined | null): string {
  if (fen === undefined || fen === null) return "–";
  const s = (Math.abs(fen) / 100).toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (fen < 0 ? "−¥" : "¥") + s;
}

export function pct(x: number | undefined | null, digits = 0): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return "–";
  return (x * 100).toFixed(digits) + "%";
}

export function time(s: string | undefined | null): string {
  if (!s || s.startsWith("1970")) return "–";
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return d.toLocaleString(locale(), { hour12: false, timeZone: TZ });
}

// A calendar day in the platform's time zone.
export function day(s: string | undefined | null): string {
  if (!s || s.startsWith("1970")) return "–";
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleDateString(locale(), { timeZone: TZ });
}

export function ago(s: string | undefined | null, now = Date.now()): number {
  if (!s) return 0;
  const d = new Date(s).getTime();
  return Number.isNaN(d) ? 0 : Math.max(0, (now - d) / 1000);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  return Math.floor(s / 86400) + "d" + Math.floor((s % 86400) / 3600) + "h";
}
