// What must be live on a page; everything else works without this file.
"use strict";
(function () {
  // Suggestions as you type (Chinese, pinyin or initials), from the search API.
  var box = document.querySelector("[data-suggest]");
  var list = document.getElementById("suggestions");
  if (box && list && window.fetch) {
    var timer = null;
    var last = "";
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (!q || q === last) return;
        last = q;
        fetch("/api/v1/search/suggest?q=" + encodeURIComponent(q) + "&limit=8")
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (page) {
            list.textContent = "";
            (page.items || []).forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.text;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  }
})();
