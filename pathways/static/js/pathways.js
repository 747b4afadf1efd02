// Pathways' few behaviours on top of the DSFR, on every page (no inline script: CSP).

// An error summary or a warning the user must see first: focused, hence scrolled to and read out.
function focusWhatNeedsAttention() {
  const target = document.querySelector("[data-pw-focus]");
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "start" });
  }
}

// « Imprimer » buttons.
function printButtons() {
  for (const button of document.querySelectorAll("[data-pw-print]")) {
    button.addEventListener("click", () => window.print());
  }
}

// A form holding a confirmation dialog (macros/confirm.html) is only sent from
// the dialog's own button, once the dialog is open: Enter in a field, or the
// opening button, opens the dialog instead. The server refuses the action
// without that button anyway.
function confirmations() {
  for (const confirm of document.querySelectorAll("dialog button[name='confirmation']")) {
    const form = confirm.form;
    const dialog = confirm.closest("dialog");
    if (!form || !dialog) continue;
    const isOpen = () => dialog.open || dialog.classList.contains("fr-modal--opened");
    form.addEventListener("submit", (event) => {
      if (event.submitter === confirm && isOpen()) return;
      event.preventDefault();
      if (!isOpen() && window.dsfr) window.dsfr(dialog).modal.disclose();
    });
  }
}

// « Tout sélectionner » in a table with selectable rows: each row's box
// changes through a change event, so the DSFR marks the row as selected.
function selectAll() {
  for (const all of document.querySelectorAll("input[data-pw-select-all]")) {
    const boxes = () => document.querySelectorAll(`input[name='${all.dataset.pwSelectAll}']`);
    all.addEventListener("change", () => {
      for (const box of boxes()) {
        if (box.checked !== all.checked) {
          box.checked = all.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
    });
  }
}

// A table wider than its box scrolls sideways: it must be reachable from the
// keyboard to scroll it (RGAA 7.3, axe « scrollable-region-focusable »).
function scrollableTables() {
  const boxes = document.querySelectorAll(".fr-table > table, .fr-table__container");
  const update = () => {
    for (const box of boxes) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    }
  };
  update();
  window.addEventListener("resize", update);
}

focusWhatNeedsAttention();
scrollableTables();
printButtons();
confirmations();
selectAll();
