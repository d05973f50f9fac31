/**
 * The views' script, run in the host's sandboxed iframe. It speaks the MCP Apps protocol
 * (JSON-RPC 2.0 over postMessage with the host, spec 2026-01-26) itself, in a few dozen lines:
 * the SDK's App class bundles the MCP client and zod, which would make every view about 550 KB
 * for what is a handful of messages. test/apps checks it against the SDK's own host (AppBridge).
 *
 * It is a string rather than a .js file because tsc compiles only .ts and the container image
 * holds dist/ only; it is plain ES2020 that every browser runs, with no template literals so
 * that it can sit in this one. document.body.dataset.mode picks the view: "viewer" or "gallery".
 */
export const VIEW_SCRIPT = String.raw`
(function () {
  "use strict";
  var PROTOCOL_VERSION = "2026-01-26";
  var mode = document.body.dataset.mode === "gallery" ? "gallery" : "viewer";
  var nextId = 1;
  var pending = new Map();
  var hostCapabilities = {};

  // ---- the protocol: JSON-RPC 2.0 with the host (window.parent) ----
  function send(message) { window.parent.postMessage(Object.assign({ jsonrpc: "2.0" }, message), "*"); }
  function request(method, params) {
    var id = nextId++;
    return new Promise(function (resolve, reject) {
      pending.set(id, { resolve: resolve, reject: reject });
      send({ id: id, method: method, params: params });
    });
  }
  function notify(method, params) { send(params === undefined ? { method: method } : { method: method, params: params }); }

  var notificationHandlers = {
    "ui/notifications/tool-input": function (p) { onToolInput((p && p.arguments) || {}); },
    "ui/notifications/tool-result": function (p) { onToolResult(p || {}); },
    "ui/notifications/tool-cancelled": function () { showStatus("The tool call was cancelled.", true); },
    "ui/notifications/host-context-changed": function (p) { applyHostContext(p || {}); }
  };
  var requestHandlers = {
    "ui/resource-teardown": function () { return {}; },
    "ping": function () { return {}; }
  };

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    var m = event.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined && m.id !== undefined) {
      var waiting = pending.get(m.id);
      if (!waiting) return;
      pending.delete(m.id);
      if (m.error) waiting.reject(new Error(m.error.message || "The host refused the request."));
      else waiting.resolve(m.result);
      return;
    }
    if (m.id !== undefined) {
      var handle = requestHandlers[m.method];
      if (handle) send({ id: m.id, result: handle(m.params) });
      else send({ id: m.id, error: { code: -32601, message: "Method not found" } });
      return;
    }
    var onNotification = notificationHandlers[m.method];
    if (onNotification) onNotification(m.params);
  });

  function callTool(name, args) {
    return request("tools/call", { name: name, arguments: args }).then(function (result) {
      if (!result) throw new Error("No answer from the server.");
      if (result.isError) throw new Error(textOf(result) || "The server could not answer.");
      return result;
    });
  }
  function textOf(result) {
    var blocks = (result && result.content) || [];
    for (var i = 0; i < blocks.length; i++) if (blocks[i].type === "text") return blocks[i].text;
    return "";
  }
  function imageOf(result) {
    var blocks = (result && result.content) || [];
    for (var i = 0; i < blocks.length; i++) if (blocks[i].type === "image") return "data:" + blocks[i].mimeType + ";base64," + blocks[i].data;
    return undefined;
  }

  // ---- host context: theme, style variables, fonts ----
  function applyHostContext(context) {
    var root = document.documentElement;
    if (context.theme === "light" || context.theme === "dark") {
      root.dataset.theme = context.theme;
      root.style.colorScheme = context.theme;
    }
    var styles = context.styles || {};
    var variables = styles.variables || {};
    Object.keys(variables).forEach(function (key) {
      if (key.indexOf("--") === 0 && typeof variables[key] === "string") root.style.setProperty(key, variables[key]);
    });
    if (styles.css && typeof styles.css.fonts === "string" && !document.getElementById("host-fonts")) {
      var fonts = document.createElement("style");
      fonts.id = "host-fonts";
      fonts.textContent = styles.css.fonts;
      document.head.appendChild(fonts);
    }
  }

  // ---- size: the host sizes the iframe to the content ----
  var lastWidth = 0, lastHeight = 0, sizeQueued = false;
  function reportSize() {
    if (sizeQueued) return;
    sizeQueued = true;
    requestAnimationFrame(function () {
      sizeQueued = false;
      var root = document.documentElement;
      var saved = root.style.height;
      root.style.height = "max-content";
      var height = Math.ceil(root.getBoundingClientRect().height);
      root.style.height = saved;
      var width = Math.ceil(window.innerWidth);
      if (width === lastWidth && height === lastHeight) return;
      lastWidth = width; lastHeight = height;
      notify("ui/notifications/size-changed", { width: width, height: height });
    });
  }

  // ---- small DOM helpers ----
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }
  function showStatus(text, isError) {
    var status = $(mode === "gallery" && !$("viewer").classList.contains("hidden") ? "viewer-status" : mode + "-status");
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  // ---- the viewer ----
  var shown = null;     // the image_view details on screen
  var pollTimer = 0;
  var viewerReference = null;
  var galleryOrigin = null; // the tile to return focus to

  function viewImage(reference) {
    viewerReference = reference;
    clearTimeout(pollTimer);
    $("viewer-status").classList.remove("error");
    $("viewer-status").textContent = "Loading the image…";
    return callTool("image_view", { image: reference }).then(function (result) {
      if (reference !== viewerReference) return;
      renderViewer(result.structuredContent || {}, imageOf(result));
    }, function (err) {
      if (reference !== viewerReference) return;
      $("viewer-status").textContent = err.message;
      $("viewer-status").classList.add("error");
    });
  }

  function renderViewer(d, src) {
    shown = d;
    $("viewer-title").textContent = d.title || "Image";
    var figure = $("viewer-figure");
    figure.textContent = "";
    if (src) figure.appendChild(el("img", { src: src, alt: d.prompt ? "Generated from: " + d.prompt : "The generated image" }));
    else figure.appendChild(el("div", { className: "placeholder", text: d.status === "generating" ? "Still generating…" : d.status === "failed" ? "This generation failed." : "The image cannot be shown now." }));
    var rows = [
      ["Model", d.model + (d.model_id ? " (" + d.model_id + ")" : "")],
      ["Size", d.image_size + (d.width ? ", " + d.width + "×" + d.height + " px" : "") + ", " + d.aspect_ratio],
      ["Cost", d.cost || "—"],
      ["Created", d.created_at ? new Date(d.created_at).toLocaleString() : "—"],
      ["Prompt", d.prompt || ""]
    ];
    var list = $("viewer-details");
    list.textContent = "";
    rows.forEach(function (row) {
      list.appendChild(el("dt", { text: row[0] }));
      list.appendChild(el("dd", { text: row[1], className: row[0] === "Prompt" ? "prompt" : "" }));
    });
    var done = d.status === "done";
    $("download").disabled = !done;
    $("use-reference").disabled = !done;
    $("open-share").disabled = !done;
    if (d.status === "generating") {
      $("viewer-status").textContent = "Still generating: this view updates when the image is ready.";
      pollTimer = setTimeout(function () { viewImage(d.title); }, 5000);
    } else if (d.status === "failed") {
      $("viewer-status").textContent = "The generation failed: " + (d.failure || "no reason was recorded.");
      $("viewer-status").classList.add("error");
    } else {
      $("viewer-status").textContent = "";
    }
    reportSize();
  }

  // image_info of a photo the user uploaded: its thumbnail and what image_info says; it has no
  // full-size link or share page, but can be used as a reference.
  function renderUpload(title, text, src) {
    clearTimeout(pollTimer);
    shown = { title: title, status: "upload" };
    $("viewer-title").textContent = title;
    var figure = $("viewer-figure");
    figure.textContent = "";
    if (src) figure.appendChild(el("img", { src: src, alt: "Your uploaded photo " + title }));
    var list = $("viewer-details");
    list.textContent = "";
    list.appendChild(el("dt", { text: "About" }));
    list.appendChild(el("dd", { text: text }));
    $("download").disabled = true;
    $("open-share").disabled = true;
    $("use-reference").disabled = false;
    $("viewer-status").textContent = "";
    reportSize();
  }

  function act(promise, okText) {
    promise.then(function (result) {
      if (result && result.isError) showStatus("The chat did not accept that.", true);
      else if (okText) showStatus(okText, false);
    }, function (err) { showStatus(err.message, true); });
  }

  $("download").addEventListener("click", function () {
    if (!shown) return;
    if (hostCapabilities.downloadFile) {
      act(request("ui/download-file", { contents: [{ type: "resource_link", uri: shown.url, name: shown.title, title: shown.title, mimeType: "image/png" }] }), "");
    } else {
      act(request("ui/open-link", { url: shown.url }), "");
    }
  });
  $("use-reference").addEventListener("click", function () {
    if (!shown) return;
    var text = "Use the image titled \u0022" + shown.title + "\u0022 as a reference for: ";
    act(request("ui/message", { role: "user", content: [{ type: "text", text: text }] }), "Added to the chat: describe what to make from it.");
  });
  $("open-share").addEventListener("click", function () {
    if (shown) act(request("ui/open-link", { url: shown.share_url }), "");
  });

  // ---- the gallery ----
  var query = "";
  var nextCursor = null;
  var loading = false;
  var loaded = false;

  function loadPage(first) {
    if (loading) return;
    loading = true;
    loaded = true;
    var args = {};
    if (query) args.query = query;
    if (!first && nextCursor) args.cursor = nextCursor;
    if (first) $("grid").textContent = "";
    $("more").classList.add("hidden");
    showStatus(first ? "Loading your images…" : "Loading more…", false);
    callTool("browse_images_page", args).then(function (result) {
      loading = false;
      var page = result.structuredContent || { images: [] };
      page.images.forEach(function (image) { $("grid").appendChild(tile(image)); });
      nextCursor = page.next_cursor || null;
      $("more").classList.toggle("hidden", !nextCursor);
      var count = $("grid").children.length;
      showStatus(count === 0 ? (query ? "No images whose prompt contains “" + query + "”." : "No images yet.") : count + (count === 1 ? " image" : " images") + (nextCursor ? " so far." : "."), false);
      reportSize();
    }, function (err) {
      loading = false;
      showStatus(err.message, true);
      reportSize();
    });
  }

  function tile(image) {
    // The button's name is its text: "Generating" (if so) and the prompt; the picture adds nothing to it.
    var thumb = image.thumbnail
      ? el("img", { className: "thumb", src: image.thumbnail, alt: "" })
      : el("div", { className: "thumb none", "aria-hidden": "true", text: image.status === "generating" ? "…" : "No preview" });
    var children = [thumb];
    if (image.status === "generating") children.push(el("span", { className: "badge", text: "Generating" }));
    children.push(el("span", { className: "caption", text: " " + image.prompt }));
    var button = el("button", { type: "button", className: "tile", "data-title": image.title }, children);
    button.addEventListener("click", function () { openFromGallery(image.title, button); });
    return el("li", {}, [button]);
  }

  function openFromGallery(title, origin) {
    galleryOrigin = origin;
    $("gallery").classList.add("hidden");
    $("viewer").classList.remove("hidden");
    $("back").classList.remove("hidden");
    shown = null;
    $("viewer-title").textContent = title;
    $("viewer-figure").textContent = "";
    $("viewer-details").textContent = "";
    $("viewer-title").focus();
    viewImage(title).then(reportSize);
    reportSize();
  }

  $("back").addEventListener("click", function () {
    clearTimeout(pollTimer);
    viewerReference = null;
    $("viewer").classList.add("hidden");
    $("gallery").classList.remove("hidden");
    if (galleryOrigin) galleryOrigin.focus();
    reportSize();
  });
  // No form: hosts sandbox views without allow-forms, which blocks (and logs) any submission.
  function search() {
    query = $("query").value.trim();
    nextCursor = null;
    loadPage(true);
  }
  $("search-button").addEventListener("click", search);
  $("query").addEventListener("keydown", function (event) { if (event.key === "Enter") search(); });
  $("more").addEventListener("click", function () { loadPage(false); });

  // ---- what the host sends about the tool call ----
  var input = {};
  function onToolInput(args) {
    input = args;
    if (mode === "gallery") {
      if (typeof args.query === "string" && args.query.trim()) { query = args.query.trim(); $("query").value = query; }
      if (!loaded) loadPage(true);
    } else if (typeof args.prompt === "string") {
      $("viewer-status").textContent = "Generating: " + args.prompt;
    }
  }
  function onToolResult(result) {
    if (mode === "gallery") { if (!loaded) loadPage(true); return; }
    if (result.isError) { showStatus(textOf(result) || "The tool failed.", true); return; }
    var upload = /[0-9a-f]{32}\.ref\.png/.exec(typeof input.image === "string" ? input.image : "");
    if (upload) { renderUpload(upload[0], textOf(result), imageOf(result)); return; }
    var structured = result.structuredContent || {};
    var match = /[0-9a-f]{32}\.png/.exec(textOf(result));
    var reference = structured.title || (typeof input.image === "string" ? input.image : null) || (match && match[0]);
    if (reference) viewImage(reference);
    else showStatus("This answer names no image to show.", true);
  }

  // ---- start ----
  $(mode).classList.remove("hidden");
  new ResizeObserver(reportSize).observe(document.body);
  request("ui/initialize", {
    appInfo: { name: "image-studio-" + mode, version: "1.0.0" },
    appCapabilities: {},
    protocolVersion: PROTOCOL_VERSION
  }).then(function (result) {
    hostCapabilities = (result && result.hostCapabilities) || {};
    applyHostContext((result && result.hostContext) || {});
    notify("ui/notifications/initialized");
    reportSize();
    // A host that sends no tool input (it is optional) still gets a gallery.
    if (mode === "gallery") setTimeout(function () { if (!loaded) loadPage(true); }, 1500);
  }, function (err) { showStatus("The chat did not start this view: " + err.message, true); });
})();
`;
