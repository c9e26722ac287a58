// Turns terminal captures (`tmux capture-pane -e` output, test/artifacts/*.ansi) into pictures a person can look
// at: each becomes an HTML page (SGR colours and styles as spans) and a PNG taken by headless Chromium.
// Usage: node scripts/ansi-captures-to-png.mjs [DIR]   (default test/artifacts; needs `chromium` on PATH for PNGs)
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? "test/artifacts");
const BASIC = ["#1e1e1e", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#e5e5e5"];
const BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"];

function color256(n) {
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const c = n - 16;
  const level = (x) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(c / 36))},${level(Math.floor(c / 6) % 6)},${level(c % 6)})`;
}

const escapeHtml = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function toHtml(ansi) {
  let state = {};
  let html = "";
  for (const piece of ansi.split(/(\u001b\[[0-9;:]*m)/)) {
    const sgr = /^\u001b\[([0-9;:]*)m$/.exec(piece);
    if (!sgr) {
      if (!piece) continue;
      const css = [];
      let fg = state.fg ?? "#d4d4d4";
      let bg = state.bg;
      if (state.inverse) [fg, bg] = [bg ?? "#1e1e1e", fg];
      css.push(`color:${fg}`);
      if (bg) css.push(`background:${bg}`);
      if (state.bold) css.push("font-weight:bold");
      if (state.dim) css.push("opacity:0.6");
      if (state.italic) css.push("font-style:italic");
      const lines = [state.underline && "underline", state.strike && "line-through"].filter(Boolean);
      if (lines.length) css.push(`text-decoration:${lines.join(" ")}`);
      html += `<span style="${css.join(";")}">${escapeHtml(piece)}</span>`;
      continue;
    }
    const codes = (sgr[1] || "0").split(/[;:]/).map(Number);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) state = {};
      else if (code === 1) state.bold = true;
      else if (code === 2) state.dim = true;
      else if (code === 3) state.italic = true;
      else if (code === 4) state.underline = true;
      else if (code === 7) state.inverse = true;
      else if (code === 9) state.strike = true;
      else if (code === 22) state.bold = state.dim = false;
      else if (code === 23) state.italic = false;
      else if (code === 24) state.underline = false;
      else if (code === 27) state.inverse = false;
      else if (code === 29) state.strike = false;
      else if (code >= 30 && code <= 37) state.fg = BASIC[code - 30];
      else if (code === 39) state.fg = undefined;
      else if (code >= 40 && code <= 47) state.bg = BASIC[code - 40];
      else if (code === 49) state.bg = undefined;
      else if (code >= 90 && code <= 97) state.fg = BRIGHT[code - 90];
      else if (code >= 100 && code <= 107) state.bg = BRIGHT[code - 100];
      else if ((code === 38 || code === 48) && codes[i + 1] === 5) {
        state[code === 38 ? "fg" : "bg"] = color256(codes[i + 2]);
        i += 2;
      } else if ((code === 38 || code === 48) && codes[i + 1] === 2) {
        state[code === 38 ? "fg" : "bg"] = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`;
        i += 4;
      }
    }
  }
  return `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:12px;font:14px/1.25 'DejaVu Sans Mono',monospace;color:#d4d4d4">${html}</pre></body>`;
}

for (const name of readdirSync(dir).filter((file) => file.endsWith(".ansi"))) {
  const ansi = readFileSync(join(dir, name), "utf8").replace(/\n+$/, "\n");
  const page = join(dir, name.replace(/\.ansi$/, ".html"));
  writeFileSync(page, toHtml(ansi));
  const rows = ansi.split("\n").length;
  try {
    execFileSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        `--window-size=1060,${Math.max(200, rows * 18 + 30)}`,
        `--screenshot=${page.replace(/\.html$/, ".png")}`,
        `file://${page}`,
      ],
      { stdio: "ignore", timeout: 30_000 },
    );
    console.log(page.replace(/\.html$/, ".png"));
  } catch {
    console.log(`${page} (no PNG: chromium failed or is missing)`);
  }
}
