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
// Chat, live over the WebSocket (the session cookie signs it in): the unread badges move, an open
// conversation shows new messages as they come and sends over the socket. Without it, the pages
// still work: the form posts and the server renders.
(function () {
  var badge = document.querySelector("[data-chat-unread]");
  if (!badge || !window.WebSocket || !window.JSON) return;
  var thread = document.querySelector("[data-messages]");
  var list = document.querySelector("[data-chat-list]");
  var form = document.querySelector("[data-compose]");
  var openId = thread ? Number(thread.getAttribute("data-conversation-id")) : 0;
  var mySide = thread ? thread.getAttribute("data-my-side") : "";
  var me = 0;
  var socket = null;
  var delay = 1000;
  var renewed = false;

  function setCount(el, n) {
    if (!el) return;
    el.textContent = String(n);
    if (n > 0) el.removeAttribute("hidden"); else el.setAttribute("hidden", "");
  }
  function bump(el) { if (el) setCount(el, Number(el.textContent || 0) + 1); }
  function send(frame) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame)); }
  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function lastSeq() { return thread ? Number(thread.getAttribute("data-last-seq") || 0) : 0; }
  function chinaTime(at) {
    var ms = Date.parse(at);
    return isNaN(ms) ? "" : new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function show(m) {
    if (!thread || m.seq <= lastSeq()) return;
    var from = m.side === "system" ? "system" : (m.side === mySide ? "mine" : "theirs");
    var li = el("li", "message " + from);
    li.setAttribute("data-seq", String(m.seq));
    var card = m.card || {};
    var body;
    if (card.product_id) {
      body = el("a", "bubble card-link");
      body.href = "/m/products/" + card.product_id;
      body.appendChild(el("span", "title", card.title || ""));
      body.appendChild(el("span", "price", "¥" + card.price));
    } else if (card.order_id) {
      body = el(mySide === "buyer" ? "a" : "span", "bubble card-link");
      if (mySide === "buyer") body.href = "/m/orders/" + card.order_id;
      body.appendChild(el("span", "title", card.title || ""));
      body.appendChild(el("span", "price", "¥" + card.total));
    } else if (m.image_url) {
      body = el("p", "bubble");
      var img = el("img");
      img.src = m.image_url;
      img.alt = "";
      body.appendChild(img);
    } else {
      body = el("p", "bubble", m.text || "");
    }
    li.appendChild(body);
    li.appendChild(el("span", "muted at", chinaTime(m.created_at)));
    thread.appendChild(li);
    thread.setAttribute("data-last-seq", String(m.seq));
    li.scrollIntoView({ block: "end" });
  }
  function onMessage(m) {
    var mine = m.sender_id === me;
    if (m.conversation_id === openId) {
      show(m);
      if (!mine) send({ type: "read", conversation_id: openId, seq: m.seq });
      return;
    }
    if (mine) return;
    bump(badge);
    if (list) {
      var item = list.querySelector("[data-conversation='" + m.conversation_id + "']");
      if (!item) { window.location.reload(); return; }
      bump(item.querySelector("[data-unread]"));
      var preview = item.querySelector("[data-preview]");
      if (preview) preview.textContent = m.text || (m.card && m.card.title) || "";
      item.parentNode.insertBefore(item, item.parentNode.firstChild);
    }
    bump(document.querySelector("[data-unread-total]"));
  }
  function onFrame(f) {
    if (f.type === "hello") {
      me = f.user_id;
      // Marks the page live (what a test waits for before expecting pushed messages).
      document.documentElement.setAttribute("data-chat-live", "");
      delay = 1000;
      renewed = false;
      setCount(badge, f.unread_total);
      if (openId) send({ type: "sync", conversation_id: openId, since_seq: lastSeq() });
    } else if (f.type === "message") {
      onMessage(f.message);
    } else if (f.type === "sent") {
      show(f.message);
    } else if (f.type === "history") {
      (f.page.items || []).forEach(show);
    } else if (f.type === "read_position") {
      setCount(badge, f.position.unread_total);
    } else if (f.type === "error" && thread) {
      var shown = document.querySelector("[data-chat-error]");
      if (!shown) {
        shown = el("p", "panel error");
        shown.setAttribute("role", "alert");
        shown.setAttribute("data-chat-error", "");
        form.parentNode.insertBefore(shown, form);
      }
      shown.textContent = f.message;
    }
  }
  function connect() {
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/chat/ws");
    socket.onmessage = function (event) {
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* not ours to show */ }
    };
    socket.onclose = function (event) {
      socket = null;
      document.documentElement.removeAttribute("data-chat-live");
      if (event.code === 1001 || event.code === 1000) return;
      // An expired session: any page renews the cookie; then try once more.
      if (event.code === 4401) {
        if (renewed) return;
        renewed = true;
        fetch(location.href, { credentials: "same-origin" }).then(connect, function () {});
        return;
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("[name=text]");
      var text = input.value.trim();
      if (!socket || socket.readyState !== 1) return;
      event.preventDefault();
      if (!text) return;
      send({ type: "send", conversation_id: openId, client_msg_id: newId(), content: { kind: "text", text: text } });
      input.value = "";
    });
  }
  connect();
})();
// Flash-sale countdowns: the server wrote the time left when it made the page; this ticks it.
(function () {
  var counters = document.querySelectorAll("[data-countdown]");
  if (!counters.length) return;
  var started = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var gone = Math.floor((Date.now() - started) / 1000);
    Array.prototype.forEach.call(counters, function (counter) {
      var left = Math.max(0, Number(counter.getAttribute("data-countdown")) - gone);
      var clock = counter.querySelector("[data-clock]");
      if (clock) clock.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
    });
  }
  setInterval(tick, 1000);
})();
