// Live progress: while any document on the page is queued or processing, ask the API
// for the new state every two seconds and update the rows in place (the document list,
// and the parts of a split stack).
(function () {
  "use strict";
  const FINAL = new Set(["archived", "failed"]);
  const LABELS = {queued: "в очереди", processing: "обрабатывается", archived: "в архиве", failed: "ошибка"};

  // The list's tabs («В очереди 3», «В архиве 12») follow the same answers as its rows.
  function showCounts(counts) {
    if (!counts) return;
    let total = 0;
    for (const el of document.querySelectorAll("[data-tab]")) {
      const n = counts[el.dataset.tab] || 0;
      el.textContent = n;
      const tab = el.closest("a");
      if (tab) tab.hidden = n === 0;
    }
    for (const n of Object.values(counts)) total += n;
    const all = document.querySelector("[data-tab-total]");
    if (all) all.textContent = total;
  }

  function pollList(table) {
    const rows = Array.from(table.querySelectorAll("tr[data-id]"))
      .filter((r) => !FINAL.has(r.dataset.status));
    if (!rows.length) return;
    const ids = rows.map((r) => r.dataset.id).join(",");
    fetch("/api/v1/documents?limit=500&ids=" + encodeURIComponent(ids), {credentials: "same-origin"})
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => {
        showCounts(data.counts);
        for (const d of data.documents) {
          const row = table.querySelector('tr[data-id="' + d.id + '"]');
          if (!row) continue;
          row.dataset.status = d.status;
          const badge = row.querySelector(".badge");
          badge.className = "badge " + d.status;
          badge.textContent = LABELS[d.status] || d.status;
          const bar = row.querySelector("progress");
          if (bar) { bar.max = d.page_count; bar.value = d.pages_done; }
          const count = row.querySelector(".count");
          if (count) count.textContent = d.pages_done + " из " + d.page_count;
          const cell = row.querySelector(".status");
          let err = cell.querySelector(".error-text");
          if (d.error) {
            if (!err) { err = document.createElement("div"); err.className = "error-text"; cell.appendChild(err); }
            err.textContent = d.error;
          }
        }
      })
      .catch(() => {})
      .finally(() => setTimeout(() => pollList(table), 2000));
  }

  // One record's page (a document being read, a stack being split): show its progress
  // from the API every two seconds, and reload the page once its state is final.
  function pollUntilFinal(el, url, final, show) {
    if (final.has(el.dataset.status)) return;
    fetch(url, {credentials: "same-origin"})
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((d) => {
        if (final.has(d.status)) { window.location.reload(); return; }
        show(d);
        setTimeout(() => pollUntilFinal(el, url, final, show), 2000);
      })
      .catch(() => setTimeout(() => pollUntilFinal(el, url, final, show), 5000));
  }

  function pollDocument(el) {
    const count = el.querySelector(".count");
    pollUntilFinal(el, "/api/v1/documents/" + encodeURIComponent(el.dataset.liveDocument), FINAL, (d) => {
      if (count) count.textContent = d.pages_done + " из " + d.page_count + " стр.";
    });
  }

  // A stack being split: the pages looked at, until it is split or failed.
  const STACK_FINAL = new Set(["split", "failed"]);
  function pollStack(el) {
    const bar = el.querySelector("progress");
    const count = el.querySelector(".count");
    pollUntilFinal(el, "/api/v1/stacks/" + encodeURIComponent(el.dataset.liveStack), STACK_FINAL, (st) => {
      if (bar) bar.value = st.pages_read;
      if (count) count.textContent = st.pages_read + " из " + st.page_count;
    });
  }

  // A school's export or import run by a worker: files done, until done or failed.
  const MOVE_FINAL = new Set(["done", "failed"]);
  function pollMove(el) {
    const bar = el.querySelector("progress");
    const count = el.querySelector(".count");
    pollUntilFinal(el, "/api/v1/school-moves/" + encodeURIComponent(el.dataset.liveMove), MOVE_FINAL, (m) => {
      if (bar) { bar.max = Math.max(m.total, 1); bar.value = m.done; }
      if (count) count.textContent = m.done + " из " + m.total;
    });
  }

  // The pupil picker: a search field, not a list of the whole school. The name in any
  // case form (or a class, «9Б»), answered by /api/v1/pupils; each pupil shown with
  // class and birth date, so namesakes are told apart, and ticked to be filed.
  const CLASS_RE = /^\s*(\d{1,2})\s*-?\s*([А-Яа-яЁё])\s*$/;
  function pupilPicker(box) {
    const input = box.querySelector("input[type=search]");
    const list = box.querySelector("ul");
    let timer = null;
    let asked = "";
    function show(pupils) {
      const kept = new Set(Array.from(list.querySelectorAll("input:checked")).map((c) => c.value));
      for (const li of Array.from(list.children)) {
        if (!li.querySelector("input:checked")) li.remove();
      }
      for (const p of pupils) {
        if (kept.has(p.id)) continue;
        const li = document.createElement("li");
        const label = document.createElement("label");
        const tick = document.createElement("input");
        tick.type = "checkbox"; tick.name = box.dataset.field || "pupil_ids"; tick.value = p.id;
        const latest = p.classes[0];
        const facts = [latest ? latest.class + " (" + latest.school_year + ")" : "без класса"];
        if (p.birth_date) facts.push("д. р. " + p.birth_date.split("-").reverse().join("."));
        label.append(tick, " " + p.name + " — " + facts.join(", "));
        li.append(label);
        list.append(li);
      }
      if (!pupils.length && asked) {
        const li = document.createElement("li");
        li.className = "hint"; li.textContent = "Никого не найдено";
        list.append(li);
      }
    }
    function ask() {
      const q = input.value.trim();
      asked = q;
      if (q.length < 2) { show([]); return; }
      const m = q.match(CLASS_RE);
      const query = m ? "class=" + encodeURIComponent(m[1] + m[2].toUpperCase())
                      : "q=" + encodeURIComponent(q);
      fetch("/api/v1/pupils?" + query, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((data) => { if (asked === q) show(data.pupils.slice(0, 30)); })
        .catch(() => {});
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); ask(); } });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-pupil-picker]").forEach(pupilPicker);
    document.querySelectorAll("[data-live-stack]").forEach(pollStack);
    document.querySelectorAll("[data-live-move]").forEach(pollMove);
    document.querySelectorAll("[data-live-progress]").forEach(pollList);
    document.querySelectorAll("[data-live-document]").forEach(pollDocument);
  });
})();
