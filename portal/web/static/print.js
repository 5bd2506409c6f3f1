// The print view's button: the page itself is laid out for paper by the
// print rules of app.css.
const b = document.getElementById("print-button");
if (b) b.addEventListener("click", () => window.print());
