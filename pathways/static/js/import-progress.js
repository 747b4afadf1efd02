// The import page follows its verification or its import: the bar, its label and the
// count are read again every second from /import/<id>/etat; the page reloads once it is over.
(() => {
  const box = document.getElementById("import-progress");
  if (!box || !box.dataset.running) return;
  const bar = document.getElementById("import-bar");
  const label = document.getElementById("import-label");
  const count = document.getElementById("import-count");
  const status = document.getElementById("import-status");
  const refresh = async () => {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const state = await response.json();
      if (!state.running) {
        window.location.reload();
        return;
      }
      status.textContent = state.status_label;
      if (bar) {
        bar.max = state.total || 1;
        bar.value = state.done;
        bar.textContent = `${state.percent} %`;
      }
      // The import checks the file again before it writes: the label says which.
      if (label) label.textContent = state.label;
      if (count) count.textContent = state.count;
    } catch (error) {
      // A lost answer: the next one will do.
    }
    window.setTimeout(refresh, 1000);
  };
  window.setTimeout(refresh, 1000);
})();
