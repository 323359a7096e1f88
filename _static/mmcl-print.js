// Before printing (the browser's print, the ".pdf" button, and `make pdf`: tools/print_pdf.py calls
// mmclPrintPrepare itself), unfold every folded cell and solution, so that paper shows all code and outputs;
// after printing, fold back what was folded.
(function () {
  var unfolded = [];
  window.mmclPrintPrepare = function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      unfolded.push(["details", details]);
    });
    document.querySelectorAll(".toggle-hidden").forEach(function (element) {
      element.classList.remove("toggle-hidden");
      unfolded.push(["toggle", element]);
    });
    return unfolded.length;
  };
  window.mmclPrintRestore = function () {
    unfolded.forEach(function (entry) {
      if (entry[0] === "details") {
        entry[1].open = false;
      } else {
        entry[1].classList.add("toggle-hidden");
      }
    });
    unfolded = [];
  };
  window.addEventListener("beforeprint", window.mmclPrintPrepare);
  window.addEventListener("afterprint", window.mmclPrintRestore);
})();
