/* Clipper default theme: progressive enhancement only; every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function readJSON(el) {
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }

  /* Variant picker: update price, availability, SKU, picture and the cart form without a reload. */
  function initProduct(root) {
    var data = readJSON(root.querySelector("[data-product-json]"));
    var picker = root.querySelector("[data-variant-picker]");
    if (!data || !picker) return;
    var selects = picker.querySelectorAll("select[data-option-position]");
    var idInput = root.querySelector("[data-variant-id]");
    var button = root.querySelector("[data-add-to-cart]");

    function current() {
      var chosen = Array.prototype.map.call(selects, function (s) { return s.value; });
      for (var i = 0; i < data.variants.length; i++) {
        var v = data.variants[i], same = true;
        for (var j = 0; j < chosen.length; j++) { if (v.options[j] !== chosen[j]) { same = false; break; } }
        if (same) return v;
      }
      return null;
    }

    function showImage(id) {
      var image = data.images[String(id)];
      var holder = root.querySelector("[data-main-image]");
      if (!image || !holder) return;
      var source = holder.querySelector("source"), img = holder.querySelector("img");
      if (source) source.srcset = image.webp;
      if (img) { img.srcset = image.srcset; img.src = image.src; img.alt = image.alt; }
      root.querySelectorAll("[data-image-id]").forEach(function (b) {
        b.setAttribute("aria-current", b.getAttribute("data-image-id") === String(id) ? "true" : "false");
      });
    }

    function update() {
      var v = current();
      var priceEl = root.querySelector("[data-price-block] [data-price]");
      var block = root.querySelector("[data-price-block] .price");
      var compare = root.querySelector("[data-price-block] [data-compare-at]");
      if (!v) {
        button.disabled = true; button.textContent = data.labels.unavailable;
        root.querySelector("[data-availability]").textContent = data.labels.unavailable;
        return;
      }
      priceEl.textContent = v.price;
      if (v.compare_at_price) {
        if (!compare) {
          compare = document.createElement("s"); compare.className = "price__compare"; compare.setAttribute("data-compare-at", "");
          block.appendChild(compare);
        }
        compare.textContent = v.compare_at_price; block.classList.add("price--sale");
      } else if (compare) { compare.remove(); block.classList.remove("price--sale"); }
      root.querySelector("[data-availability]").textContent = v.availability;
      root.querySelector("[data-sku]").textContent = v.sku;
      idInput.value = v.id;
      button.disabled = !v.available;
      button.textContent = v.available ? data.labels.add : data.labels.sold_out;
      if (v.image_id) showImage(v.image_id);
      var url = new URL(window.location.href);
      url.searchParams.delete("option1"); url.searchParams.delete("option2"); url.searchParams.delete("option3");
      url.searchParams.set("variant", v.id);
      window.history.replaceState({}, "", url);
    }

    selects.forEach(function (s) { s.addEventListener("change", update); });
    root.querySelectorAll("[data-image-id]").forEach(function (b) {
      b.addEventListener("click", function () { showImage(b.getAttribute("data-image-id")); });
    });
  }

  /* Offer, never force, the shopper's browser language; remember a "no". */
  function languageBanner() {
    var banner = document.getElementById("language-banner");
    var offers = readJSON(document.getElementById("language-offers"));
    if (!banner || !offers || /(^|; )lang_dismissed=1/.test(document.cookie)) return;
    var langs = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < langs.length; i++) {
      var lang = langs[i], match = offers[lang] || offers[lang.split("-")[0]];
      if (!match && /^zh/i.test(lang)) match = offers["zh-CN"];
      if (lang.split("-")[0] === document.documentElement.lang.split("-")[0]) return;
      if (!match) continue;
      var text = document.createElement("span"); text.textContent = match.text;
      var link = document.createElement("a"); link.href = match.url; link.textContent = match.link;
      var close = document.createElement("button"); close.type = "button"; close.className = "button button--secondary";
      close.textContent = match.dismiss;
      close.addEventListener("click", function () {
        document.cookie = "lang_dismissed=1; path=/; max-age=31536000; SameSite=Lax"; banner.hidden = true;
      });
      banner.setAttribute("lang", match.lang);
      banner.append(text, link, close); banner.hidden = false;
      return;
    }
  }

  /* Search suggestions: an accessible combobox (ARIA 1.2 pattern), debounced, keyboard-navigable. */
  function initSuggest(form) {
    var input = form.querySelector("[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-suggest-status]");
    if (!input || !list || !window.fetch) return;
    var timer = null, active = -1, controller = null;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
      input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function group(label, entries, render) {
      if (!entries.length) return;
      var heading = document.createElement("div");
      heading.className = "search-suggestions__group"; heading.textContent = label;
      heading.setAttribute("role", "presentation");
      list.appendChild(heading);
      entries.forEach(function (entry) {
        var option = document.createElement("a");
        option.setAttribute("role", "option"); option.id = "suggestion-" + list.children.length;
        option.setAttribute("aria-selected", "false"); option.href = entry.url; option.className = "search-suggestion";
        render(option, entry); list.appendChild(option);
      });
    }
    function show(data) {
      list.innerHTML = ""; active = -1;
      var labels = JSON.parse(form.getAttribute("data-labels") || "{}");
      group(labels.queries || "", data.queries.map(function (q) {
        return { url: form.action + "?q=" + encodeURIComponent(q), title: q };
      }), function (el, q) { el.textContent = q.title; });
      group(labels.products || "", data.products, function (el, p) {
        if (p.image) { var img = document.createElement("img"); img.src = p.image; img.alt = ""; img.width = 48; img.height = 48; el.appendChild(img); }
        var title = document.createElement("span"); title.textContent = p.title; el.appendChild(title);
        var price = document.createElement("span"); price.className = "search-suggestion__price"; price.textContent = p.price; el.appendChild(price);
      });
      group(labels.collections || "", data.collections, function (el, c) { el.textContent = c.title; });
      group(labels.pages || "", data.pages, function (el, p) { el.textContent = p.title; });
      var count = options().length;
      status.textContent = count ? (labels.count || "%d").replace("%d", count) : (labels.none || "");
      if (!count) { close(); return; }
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q), { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && input.value.trim() === q) show(data); })
        .catch(function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 200); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) fetchSuggestions(); else highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.href = options()[active].href; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  /* Cart: the header count (pages are cached, so it is read from /cart.js) and the add-to-cart drawer. */
  var drawer = document.getElementById("cart-drawer");
  function jsonHeaders() {
    return { "Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest", Accept: "application/json" };
  }
  function showCount(cart) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = cart.item_count ? "(" + cart.item_count + ")" : "";
    });
  }
  function fillDrawer(cart) {
    if (!drawer) return;
    var labels = JSON.parse(drawer.getAttribute("data-labels") || "{}");
    var list = drawer.querySelector("[data-drawer-lines]");
    list.innerHTML = "";
    if (!cart.items.length) { list.textContent = labels.empty; }
    cart.items.forEach(function (item) {
      var row = document.createElement("div"); row.className = "cart-drawer__line";
      if (item.image) { var img = document.createElement("img"); img.src = item.image; img.alt = ""; img.width = 56; img.height = 56; row.appendChild(img); }
      var text = document.createElement("span"); text.textContent = item.quantity + " × " + item.title; row.appendChild(text);
      list.appendChild(row);
    });
    var automatic = (cart.cart_level_discount_applications || []).filter(function (d) { return d.type === "automatic"; })[0];
    var discount = drawer.querySelector("[data-drawer-discount]");
    if (discount && labels.automatic) {
      discount.textContent = automatic ? labels.automatic.replace("{title}", automatic.title) : "";
      discount.hidden = !automatic;
    }
    drawer.querySelector("[data-drawer-subtotal]").textContent = labels.subtotal + ": " + (cart.formatted_total_price || "");
  }
  function refreshCart() {
    if (!drawer || !window.fetch) return Promise.resolve(null);
    return fetch(drawer.getAttribute("data-cart-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (cart) { if (cart) { showCount(cart); fillDrawer(cart); } return cart; })
      .catch(function () { return null; });
  }
  if (drawer) {
    drawer.querySelector("[data-close-drawer]").addEventListener("click", function () { drawer.close(); });
    refreshCart();
  }
  document.querySelectorAll("[data-product-form]").forEach(function (form) {
    if (!drawer || !window.fetch || typeof drawer.showModal !== "function") return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var error = form.querySelector("[data-cart-error]");
      var body = { id: form.querySelector("[name=id]").value, quantity: form.querySelector("[name=quantity]").value || 1 };
      fetch(form.action + ".js", { method: "POST", headers: jsonHeaders(), credentials: "same-origin", body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (result) {
          if (!result.ok) { error.textContent = result.data.description || result.data.message; error.hidden = false; return; }
          error.hidden = true;
          refreshCart().then(function () { drawer.showModal(); });
        })
        .catch(function () { form.submit(); });
    });
  });

  document.querySelectorAll("[data-search-form]").forEach(initSuggest);
  document.querySelectorAll("[data-product]").forEach(initProduct);
  languageBanner();
})();
