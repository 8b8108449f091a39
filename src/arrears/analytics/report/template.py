"""The report's page: one Jinja2 template, kept in code so it ships with the package.

Everything the page needs is inside it: plotly.js inline, the styles, the figures. No
`src` or `href` points outside the file. A section may also carry a `lead` (a verdict in
bold) and `card_groups` (titled rows of cards), and `source_bad` turns the warning on top red;
`arrears simulate`'s report uses them.
"""

from __future__ import annotations

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.title }} · {{ as_of }}</title>
<style>
  body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC",
         "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
         margin: 0; color: #1d2733; background: #f4f6f9; }
  header { background: #12355b; color: #fff; padding: 18px 32px; }
  header h1 { margin: 0 0 6px 0; font-size: 26px; }
  header .meta span { margin-right: 24px; font-size: 14px; opacity: .9; }
  nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid #dde3ea; font-size: 14px; }
  nav a { margin-right: 16px; color: #12355b; text-decoration: none; }
  main { padding: 8px 32px 40px 32px; max-width: 1280px; }
  section { background: #fff; border-radius: 6px; padding: 16px 20px; margin: 16px 0;
            box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  h2 { font-size: 20px; margin: 4px 0 10px 0; color: #12355b; }
  p.note { font-size: 13px; color: #5a6773; margin: 4px 0 10px 0; }
  p.warn { font-size: 13px; color: #8a5300; background: #fff6e5; padding: 6px 10px;
           border-left: 3px solid #f0a000; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 12px 0; }
  .card { border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 14px; min-width: 170px; }
  .card .v { font-size: 24px; font-weight: bold; }
  .card .k { font-size: 13px; color: #5a6773; }
  .card.bad { border-color: #d62728; background: #fdecec; }
  .card.good { border-color: #2ca02c; background: #eef8ee; }
  table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
  th, td { border: 1px solid #dde3ea; padding: 4px 8px; text-align: right; }
  th { background: #eef2f6; }
  td.l, th.l { text-align: left; }
  .scroll { overflow-x: auto; }
  h3 { font-size: 15px; margin: 12px 0 2px 0; color: #12355b; }
  p.lead { font-size: 16px; font-weight: bold; margin: 6px 0 10px 0; }
  p.warn.bad { color: #a11212; background: #fdecec; border-left-color: #d62728;
               font-size: 15px; font-weight: bold; }
</style>
<script type="text/javascript">{{ plotly_js }}</script>
</head>
{% macro cards(items) %}<div class="cards">
    {% for c in items %}<div class="card {{ c.cls }}"><div class="v">{{ c.value }}</div>
      <div class="k">{{ c.label }}</div></div>{% endfor %}
  </div>{% endmacro %}
<body data-figures="{{ n_figures }}">
<header>
  <h1>{{ t.title }}</h1>
  <div class="meta">
    {% for k, v in meta %}<span>{{ k }}: <b>{{ v }}</b></span>{% endfor %}
  </div>
</header>
<nav>{% for s in sections %}<a href="#{{ s.id }}">{{ s.title }}</a>{% endfor %}</nav>
<main>
<p class="{{ 'warn' if source_warn else 'note' }}{{ ' bad' if source_bad }}">{{ source_note }}</p>
{% for s in sections %}
<section id="{{ s.id }}">
  <h2>{{ s.title }}</h2>
  {% if s.lead %}<p class="lead">{{ s.lead }}</p>{% endif %}
  {% for n in s.notes %}<p class="note">{{ n }}</p>{% endfor %}
  {% for w in s.warnings %}<p class="warn">{{ w }}</p>{% endfor %}
  {% if s.cards %}{{ cards(s.cards) }}{% endif %}
  {% for g in s.card_groups %}<h3>{{ g.title }}</h3>{{ cards(g.cards) }}{% endfor %}
  {% for f in s.figures %}<div class="figure">{{ f }}</div>{% endfor %}
  {% for tb in s.tables %}
  {% if tb.caption %}<p class="note">{{ tb.caption }}</p>{% endif %}
  <div class="scroll"><table>
    <thead><tr>{% for h in tb.headers %}
      <th class="{{ 'l' if loop.index0 < tb.left else '' }}">{{ h }}</th>{% endfor %}
    </tr></thead>
    <tbody>{% for row in tb.rows %}<tr>{% for v in row %}
      <td class="{{ 'l' if loop.index0 < tb.left else '' }}">{{ v }}</td>{% endfor %}
    </tr>{% endfor %}</tbody>
  </table></div>
  {% endfor %}
</section>
{% endfor %}
</main>
</body>
</html>
"""
