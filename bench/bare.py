# ruff: noqa: E501  (the page markup mirrors templates/assessments/tasks.html line for line)
"""The baseline page: Flask rendering the same 50-row queue table with no database.

    gunicorn bench.bare:app
"""

from datetime import UTC, datetime, timedelta

from flask import Flask, render_template_string

app = Flask(__name__)

ROWS = [{"id": 1000 + i, "version": 5, "cadre": f"干部{i}",
         "unit": f"第1县第{i % 9}镇街第{i % 7}社区", "cycle": "2026年第四季度平时考核", "state": "书记审批",
         "due": datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(hours=i)} for i in range(50)]

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>待办</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main>
<h1>待我处理</h1><form method="post" action="/tasks/batch">
<table class="list queue"><thead><tr><th scope="col"><input type="checkbox"></th>
<th scope="col">干部</th><th scope="col">单位</th><th scope="col">考核周期</th>
<th scope="col">状态</th><th scope="col">截止</th><th scope="col">操作</th></tr></thead><tbody>
{% for a in rows %}{% set late = a.due <= now %}<tr>
<td class="pick"><input type="checkbox" name="items" value="{{ a.id }}:{{ a.version }}" id="pick-{{ a.id }}"><label for="pick-{{ a.id }}" class="sr-only">选择 {{ a.cadre }}</label></td>
<td data-label="干部">{{ a.cadre }}</td><td data-label="单位">{{ a.unit }}</td>
<td data-label="考核周期">{{ a.cycle }}</td><td data-label="状态">{{ a.state }}</td>
<td data-label="截止"{% if late %} class="late"{% endif %}>{{ a.due.strftime("%Y-%m-%d %H:%M") }}</td>
<td><a class="button" href="/assessments/{{ a.id }}">处理</a></td></tr>
{% endfor %}</tbody></table></form></main></body></html>"""


@app.get("/tasks")
def tasks():
    return render_template_string(PAGE, rows=ROWS, now=datetime.now(UTC))
