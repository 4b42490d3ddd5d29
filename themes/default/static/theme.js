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

  document.querySelectorAll("[data-product]").forEach(initProduct);
  languageBanner();
})();
