// Keyboard help for busy stations: "/" jumps to the search box (unless one is typing already).
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  var active = document.activeElement;
  var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" ||
    active.tagName === "SELECT" || active.isContentEditable);
  if (typing) {
    return;
  }
  var search = document.querySelector("[data-search-shortcut]");
  if (search) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});
