// The dashboard page's stylesheet, served as /dashboard/app.css (no build step).
export const DASHBOARD_STYLE = String.raw`
:root { --bg: #0f1419; --panel: #171d24; --line: #2a333d; --text: #d8dee6; --dim: #8a96a3; --accent: #4fb0ff;
  --ok: #3fb950; --warn: #d29922; --bad: #f85149; --run: #a371f7; font-family: system-ui, sans-serif; font-size: 14px; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; font-weight: 600; }
header .spacer { flex: 1; }
.pill { padding: 2px 10px; border-radius: 999px; border: 1px solid var(--line); color: var(--dim); font-size: 12px; }
.pill.live { color: var(--ok); border-color: var(--ok); }
.pill.down { color: var(--bad); border-color: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; padding: 16px 20px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size: 14px; margin: 0 0 10px; color: var(--dim); text-transform: uppercase; letter-spacing: .06em; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--dim); font-weight: 500; font-size: 12px; }
td.num, th.num { text-align: right; }
td.zero { color: #4a5561; }
td.hot { color: var(--accent); font-weight: 600; }
.status { font-weight: 600; }
.status.succeeded { color: var(--ok); } .status.running { color: var(--run); } .status.queued { color: var(--warn); }
.status.failed, .status.expired { color: var(--bad); } .status.canceled { color: var(--dim); }
.state.loaded { color: var(--ok); } .state.loading { color: var(--warn); } .state.unloaded { color: var(--dim); }
.bar { display: inline-block; width: 120px; height: 8px; background: #0b0f13; border-radius: 4px; vertical-align: middle; margin-right: 6px; }
.bar > span { display: block; height: 100%; background: var(--accent); border-radius: 4px; }
.empty { color: var(--dim); font-style: italic; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; }
#login { max-width: 420px; margin: 80px auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 20px; }
#login p { color: var(--dim); }
#login input { width: 100%; padding: 8px; margin: 8px 0 12px; background: #0b0f13; color: var(--text); border: 1px solid var(--line); border-radius: 4px; }
button { background: var(--accent); color: #06121e; border: 0; border-radius: 4px; padding: 7px 14px; font-weight: 600; cursor: pointer; }
button.quiet { background: transparent; color: var(--dim); border: 1px solid var(--line); }
.error { color: var(--bad); min-height: 1.2em; }
[hidden] { display: none !important; }
`;
