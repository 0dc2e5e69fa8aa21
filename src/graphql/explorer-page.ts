/**
 * The built-in GraphQL explorer: one self-contained page (no external asset, no CDN), written for this
 * service because bundling the `graphiql` React package needs a bundler this project does not ship.
 * A query editor, variables, an operation name, the `Authorization` header (kept in sessionStorage:
 * gone when the tab closes), a Run button (Ctrl/⌘ + Enter) posting JSON to /graphql, the answer with
 * its status, and a schema browser built from introspection. Everything on the page is set with
 * textContent (never innerHTML), so nothing from the schema or an answer can become markup.
 */
export const EXPLORER_STYLE = `
:root { color-scheme: light dark; --fg: #1d232b; --bg: #fff; --muted: #5d6875; --line: #d5dae0; --accent: #0b63c5; --panel: #f5f7f9; --err: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e3e7ec; --bg: #14181d; --muted: #97a2ae; --line: #2d353f; --accent: #6aaef5; --panel: #1b2027; --err: #f2b8b5; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 12px; align-items: center; padding: 8px 14px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 15px; margin: 0 12px 0 0; }
header label { display: flex; gap: 6px; align-items: center; flex: 1; min-width: 260px; color: var(--muted); }
header input { flex: 1; }
input, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 5px 7px; }
textarea { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; resize: vertical; width: 100%; tab-size: 2; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); padding: 5px 14px; }
button.plain { background: transparent; color: var(--accent); border-color: var(--line); }
main { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(300px, 1fr) minmax(240px, 0.8fr); gap: 12px; padding: 12px 14px; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } }
section h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 6px; display: flex; justify-content: space-between; align-items: center; }
#query { min-height: 320px; }
#variables { min-height: 90px; }
.row { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
.row input { flex: 1; }
#result { margin: 0; min-height: 320px; white-space: pre-wrap; word-break: break-word; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 8px; overflow: auto; }
#status { color: var(--muted); font-weight: normal; text-transform: none; letter-spacing: 0; }
#status.error { color: var(--err); }
#schema { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 8px; max-height: 75vh; overflow: auto; }
#schema a { color: var(--accent); cursor: pointer; text-decoration: none; }
#schema a:hover { text-decoration: underline; }
#schema ul { list-style: none; padding: 0; margin: 4px 0 10px; }
#schema li { margin: 3px 0; }
#schema .desc { color: var(--muted); font-size: 12px; margin: 1px 0 4px; }
#schema .kind { color: var(--muted); font-size: 11px; text-transform: uppercase; margin-top: 8px; }
#schema code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#filter { width: 100%; margin-bottom: 6px; }
`;

export const EXPLORER_SCRIPT = `
(function () {
  'use strict';
  var ENDPOINT = window.location.pathname;
  var store = window.sessionStorage;
  var $ = function (id) { return document.getElementById(id); };
  var auth = $('auth'), query = $('query'), variables = $('variables'), opName = $('operation');
  var result = $('result'), status = $('status'), schemaBox = $('schema'), filter = $('filter');
  var types = {}, history = [];

  auth.value = store.getItem('ih-explorer-authorization') || '';
  query.value = store.getItem('ih-explorer-query') || '# Ctrl/Cmd + Enter runs the document\\n{\\n  countries {\\n    iso2\\n    name\\n  }\\n}\\n';
  variables.value = store.getItem('ih-explorer-variables') || '';
  opName.value = store.getItem('ih-explorer-operation') || '';

  function save() {
    store.setItem('ih-explorer-authorization', auth.value);
    store.setItem('ih-explorer-query', query.value);
    store.setItem('ih-explorer-variables', variables.value);
    store.setItem('ih-explorer-operation', opName.value);
  }

  function post(body) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    if (auth.value.trim()) headers['Authorization'] = auth.value.trim();
    return fetch(ENDPOINT, { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'omit' })
      .then(function (res) {
        return res.text().then(function (text) {
          var json = null;
          try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
          return { status: res.status, text: text, json: json };
        });
      });
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function run() {
    save();
    var vars;
    if (variables.value.trim()) {
      try { vars = JSON.parse(variables.value); } catch (e) {
        setStatus('Variables are not valid JSON: ' + e.message, true);
        return;
      }
    }
    var body = { query: query.value };
    if (vars !== undefined) body.variables = vars;
    if (opName.value.trim()) body.operationName = opName.value.trim();
    setStatus('running…', false);
    var started = performance.now();
    post(body).then(function (res) {
      var ms = Math.round(performance.now() - started);
      var failed = res.status >= 400 || (res.json && res.json.errors);
      setStatus('HTTP ' + res.status + ' · ' + ms + ' ms', failed);
      result.textContent = res.json ? JSON.stringify(res.json, null, 2) : res.text;
    }, function (err) {
      setStatus('Request failed: ' + err.message, true);
    });
  }

  $('run').addEventListener('click', run);
  document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); run(); }
  });
  [auth, query, variables, opName].forEach(function (el) { el.addEventListener('change', save); });
  query.addEventListener('keydown', function (e) {
    if (e.key === 'Tab' && !e.shiftKey) {
      e.preventDefault();
      var s = query.selectionStart, end = query.selectionEnd;
      query.value = query.value.slice(0, s) + '  ' + query.value.slice(end);
      query.selectionStart = query.selectionEnd = s + 2;
    }
  });

  // ---- schema browser ----
  var INTROSPECTION = 'query ExplorerIntrospection { __schema { queryType { name } mutationType { name } ' +
    'types { kind name description fields(includeDeprecated: true) { name description isDeprecated ' +
    'args { name description type { ...T } defaultValue } type { ...T } } inputFields { name description ' +
    'type { ...T } defaultValue } enumValues(includeDeprecated: true) { name description } } } } ' +
    'fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }';

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function typeRef(t) {
    var span = el('code');
    (function walk(x) {
      if (x.kind === 'NON_NULL') { walk(x.ofType); span.appendChild(document.createTextNode('!')); return; }
      if (x.kind === 'LIST') {
        span.appendChild(document.createTextNode('['));
        walk(x.ofType);
        span.appendChild(document.createTextNode(']'));
        return;
      }
      var a = el('a', x.name);
      a.addEventListener('click', function () { show(x.name); });
      span.appendChild(a);
    })(t);
    return span;
  }

  function showIndex() {
    history = [];
    schemaBox.textContent = '';
    var needle = filter.value.trim().toLowerCase();
    var names = Object.keys(types).filter(function (n) { return n.indexOf('__') !== 0; }).sort();
    var roots = [types.__root.query, types.__root.mutation].filter(Boolean);
    var kinds = [['Roots', roots]].concat(['OBJECT', 'INPUT_OBJECT', 'ENUM', 'INTERFACE', 'UNION', 'SCALAR'].map(function (k) {
      return [k.replace('_', ' ').toLowerCase() + 's', names.filter(function (n) { return types[n].kind === k && roots.indexOf(n) < 0; })];
    }));
    kinds.forEach(function (group) {
      var list = group[1].filter(function (n) {
        if (!needle) return true;
        if (n.toLowerCase().indexOf(needle) >= 0) return true;
        return (types[n].fields || []).some(function (f) { return f.name.toLowerCase().indexOf(needle) >= 0; });
      });
      if (!list.length) return;
      schemaBox.appendChild(el('div', group[0], 'kind'));
      var ul = el('ul');
      list.forEach(function (n) {
        var li = el('li'), a = el('a', n);
        a.addEventListener('click', function () { show(n); });
        li.appendChild(a);
        ul.appendChild(li);
      });
      schemaBox.appendChild(ul);
    });
  }

  function show(name) {
    var t = types[name];
    if (!t) return;
    history.push(name);
    schemaBox.textContent = '';
    var back = el('a', '← all types');
    back.addEventListener('click', showIndex);
    schemaBox.appendChild(back);
    schemaBox.appendChild(el('h3', t.name + ' (' + t.kind.toLowerCase().replace('_', ' ') + ')'));
    if (t.description) schemaBox.appendChild(el('div', t.description, 'desc'));
    var ul = el('ul');
    (t.fields || t.inputFields || []).forEach(function (f) {
      var li = el('li');
      li.appendChild(el('code', f.name));
      if (f.args && f.args.length) {
        li.appendChild(document.createTextNode('('));
        f.args.forEach(function (arg, i) {
          if (i) li.appendChild(document.createTextNode(', '));
          li.appendChild(el('code', arg.name + ': '));
          li.appendChild(typeRef(arg.type));
        });
        li.appendChild(document.createTextNode(')'));
      }
      li.appendChild(document.createTextNode(': '));
      li.appendChild(typeRef(f.type));
      if (f.isDeprecated) li.appendChild(el('span', ' (deprecated)', 'desc'));
      if (f.description) li.appendChild(el('div', f.description, 'desc'));
      ul.appendChild(li);
    });
    (t.enumValues || []).forEach(function (v) {
      var li = el('li');
      li.appendChild(el('code', v.name));
      if (v.description) li.appendChild(el('div', v.description, 'desc'));
      ul.appendChild(li);
    });
    schemaBox.appendChild(ul);
  }

  function loadSchema() {
    schemaBox.textContent = 'loading the schema…';
    post({ query: INTROSPECTION, operationName: 'ExplorerIntrospection' }).then(function (res) {
      var schema = res.json && res.json.data && res.json.data.__schema;
      if (!schema) {
        schemaBox.textContent = 'The schema could not be loaded (HTTP ' + res.status + ').';
        return;
      }
      types = { __root: { query: schema.queryType && schema.queryType.name, mutation: schema.mutationType && schema.mutationType.name } };
      schema.types.forEach(function (t) { types[t.name] = t; });
      showIndex();
    }, function (err) {
      schemaBox.textContent = 'The schema could not be loaded: ' + err.message;
    });
  }

  filter.addEventListener('input', showIndex);
  $('reload').addEventListener('click', function () { save(); loadSchema(); });
  loadSchema();
})();
`;

const BODY = `
<header>
  <h1>Identity Hub · GraphQL</h1>
  <label>Authorization <input id="auth" type="password" autocomplete="off" spellcheck="false"
    placeholder="Bearer &lt;session token&gt;  ·  Basic base64(:&lt;API token&gt;)"></label>
  <button id="run" type="button" title="Ctrl/⌘ + Enter">Run ▶</button>
</header>
<main>
  <section>
    <h2>Query</h2>
    <textarea id="query" spellcheck="false" aria-label="GraphQL document"></textarea>
    <div class="row"><input id="operation" placeholder="operation name (when the document has several)" spellcheck="false"></div>
    <h2>Variables (JSON)</h2>
    <textarea id="variables" spellcheck="false" aria-label="variables as JSON" placeholder='{ "email": "jane@example.com" }'></textarea>
  </section>
  <section>
    <h2>Result <span id="status"></span></h2>
    <pre id="result" aria-live="polite"></pre>
  </section>
  <section>
    <h2>Schema <button id="reload" class="plain" type="button">reload</button></h2>
    <input id="filter" placeholder="filter types and fields" spellcheck="false">
    <div id="schema"></div>
  </section>
</main>
`;

/** The page; its inline style and script are allowed by their hashes in the page's CSP. */
export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Identity Hub · GraphQL explorer</title>
<style>${EXPLORER_STYLE}</style>
</head>
<body>${BODY}<script>${EXPLORER_SCRIPT}</script>
</body>
</html>
`;
