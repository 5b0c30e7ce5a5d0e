/* Behaviour of static/js/player.js in a minimal fake DOM (Node, no dependencies). Run by
 * learning/tests/test_player_js.py: `node player_behaviour.js <path to player.js>`; exits non-zero with
 * the failed assertion. Each scenario loads the script into a fresh context. */
"use strict";
const assert = require("assert");
const fs = require("fs");
const vm = require("vm");

const SOURCE = fs.readFileSync(process.argv[2], "utf8");

class El {
  constructor(tag, opts = {}) {
    this.tagName = tag.toUpperCase();
    this.id = opts.id || "";
    this.dataset = opts.dataset || {};
    this.selectors = opts.selectors || [];
    this.children = [];
    this.listeners = {};
    this.attrs = {};
    this.textContent = opts.text || "";
    this.style = {};
    this.scrollTop = 0;
    this.clientHeight = opts.clientHeight || 100;
    this.rect = opts.rect || {top: 0, bottom: 10, height: 10};
    this.parentNode = null;
    this.classes = new Set();
    this.classList = {
      add: (c) => this.classes.add(c), remove: (c) => this.classes.delete(c),
      toggle: (c, on) => (on ? this.classes.add(c) : this.classes.delete(c)),
    };
    Object.assign(this, opts.props || {});
  }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatch(type, event) { (this.listeners[type] || []).forEach((fn) => fn(event)); }
  appendChild(child) { this.children.push(child); child.parentNode = this; return child; }
  replaceChildren(...nodes) {  // as the DOM's: strings become text; textContent is what a reader sees
    this.children = [];
    this.textContent = nodes.map((n) => (typeof n === "string" ? n : (this.appendChild(n), n.textContent || ""))).join("");
  }
  getBoundingClientRect() { return this.rect; }
  closest(selector) { return this.selectors.includes(selector) ? this : this.parentNode ? this.parentNode.closest(selector) : null; }
  setAttribute(k, v) { this.attrs[k] = v; }
  removeAttribute(k) { delete this.attrs[k]; }
  hasAttribute(k) { return k in this.attrs; }
  scrollIntoView() { this.world.windowScrolled = true; }
}

function makeWorld({provider = null, withOutline = true} = {}) {
  const world = {posts: [], beacons: [], messages: [], windowScrolled: false, intervals: [], windowListeners: {}};
  const byId = {}, bySelector = {};
  const el = (tag, opts) => { const e = new El(tag, opts); e.world = world; if (e.id) byId[e.id] = e; return e; };
  const head = el("head");
  byId.player = el("div", {id: "player", dataset: {progressUrl: "/learn/1/item/7/progress/", csrf: "TOKEN", module: "5", root: "1", item: "7"}});
  el("span", {id: "course-progress", text: "40% complete"});
  el("span", {id: "streak", text: "🔥 0 days streak"});
  if (withOutline) {
    const outline = el("nav", {selectors: [".player-outline"], clientHeight: 200, rect: {top: 100, bottom: 300, height: 200}});
    bySelector[".player-outline"] = outline;
    const row = el("li", {id: "m5", rect: {top: 900, bottom: 920, height: 20}});
    outline.appendChild(row);
  }
  const current = el("li", {});
  current.appendChild(el("span", {text: "○"}));
  current.appendChild(el("span", {text: "Not completed:"}));
  bySelector['.player-module li[aria-current="true"]'] = current;
  const link = el("a", {selectors: ["a[data-record-url]"], dataset: {recordUrl: "/learn/1/item/7/open/0/"}});
  world.link = link;
  world.currentRow = current;
  if (provider) {
    const video = el("iframe", {id: "player-video", dataset: {provider}, props: {
      src: provider === "youtube" ? "https://www.youtube-nocookie.com/embed/abc?enablejsapi=1" : "https://player.vimeo.com/video/1?dnt=1",
      contentWindow: {postMessage: (msg, origin) => world.messages.push({msg: JSON.parse(msg), origin})},
    }});
    world.video = video;
    bySelector[".content-video"] = el("div", {dataset: {duration: "100"}});
    el("div", {id: "watched-bar"});
  }
  const documentListeners = {};
  const document = {
    head,
    getElementById: (id) => byId[id] || null,
    querySelector: (s) => bySelector[s] || null,
    querySelectorAll: () => [],
    createElement: (tag) => el(tag),
    createTextNode: (text) => ({text}),
    addEventListener: (type, fn) => (documentListeners[type] = documentListeners[type] || []).push(fn),
  };
  world.fire = (type, event) => (documentListeners[type] || []).forEach((fn) => fn(event));
  world.head = head;
  world.byId = byId;
  const response = {modules: [], streak_days: 3, completed: false, item: 7};
  const context = {
    document, location: {href: "https://lms.example/learn/1/item/7/"}, JSON, Promise, Math, Object, Array,
    String, parseFloat, parseInt, URL, URLSearchParams, FormData,
    navigator: {sendBeacon: (url, body) => { world.beacons.push({url, body}); return true; }},
    fetch: (url, init) => { world.posts.push({url, init}); return Promise.resolve({ok: true, json: () => Promise.resolve(response)}); },
    setInterval: (fn, ms) => { world.intervals.push({fn, ms, live: true}); return world.intervals.length - 1; },
    clearInterval: (id) => { if (world.intervals[id]) world.intervals[id].live = false; },
    addEventListener: (type, fn) => (world.windowListeners[type] = world.windowListeners[type] || []).push(fn),
  };
  context.window = context;
  world.run = () => vm.runInNewContext(SOURCE, context);
  world.tick = (ms) => world.intervals.forEach((t) => { if (t.live && ms % t.ms === 0) t.fn(); });
  world.windowFire = (type, event) => (world.windowListeners[type] || []).forEach((fn) => fn(event));
  return world;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function outlineScrollsItsContainerNotTheWindow() {
  const w = makeWorld();
  w.run();
  const outline = w.byId.m5.parentNode;
  assert.strictEqual(w.windowScrolled, false, "scrollIntoView scrolls the window");
  // The row sits 800px below the container's top: centred, the container scrolls by 800 - (200 - 20) / 2.
  assert.strictEqual(outline.scrollTop, 710);
}

async function markDoneEventPatchesOutlineHeaderAndRow() {
  const w = makeWorld();
  w.run();
  w.fire("sigma:progress", {detail: {item: 7, completed: true, streak_days: 2, modules: [
    {id: 1, percent: 50, complete: false}, {id: 3, percent: 50, complete: false}, {id: 5, percent: 100, complete: true},
  ]}});
  const style = w.head.children.find((c) => c.id === "po-live");
  assert.ok(style, "no live overlay style");
  const css = style.children.map((t) => t.text).join("");
  assert.ok(css.includes('#m5>a{--po:" \\2713";--pc:#198754;color:#198754}'), css);
  assert.ok(css.includes('#m3>a{--po:" 50%"}'), css);
  assert.ok(!css.includes("#m1>"), "the root has no outline row");
  assert.strictEqual(w.byId["course-progress"].textContent, "50% complete");
  assert.strictEqual(w.currentRow.children[0].textContent, "✓");
  // The flame is a Bootstrap Icons glyph (an element, no text), then the words.
  assert.strictEqual(w.byId.streak.textContent.trim(), "2 days streak");
  assert.strictEqual(w.byId.streak.children.length, 1, "the streak keeps its icon");
}

async function resourceClickIsRecordedWithAPost() {
  const w = makeWorld();
  w.run();
  w.posts.length = 0;
  w.fire("click", {type: "click", target: w.link});
  assert.strictEqual(w.posts.length, 1);
  assert.strictEqual(w.posts[0].url, "/learn/1/item/7/open/0/");
  assert.strictEqual(w.posts[0].init.method, "POST");
  assert.strictEqual(w.posts[0].init.keepalive, true);
  assert.strictEqual(w.posts[0].init.headers["X-CSRFToken"], "TOKEN");
}

async function youtubeListeningIsRepeatedUntilThePlayerAnswers() {
  const w = makeWorld({provider: "youtube"});
  w.run();
  for (let i = 0; i < 4; i++) w.tick(250);
  const listening = () => w.messages.filter((m) => m.msg.event === "listening").length;
  assert.ok(listening() >= 4, "listening sent " + listening() + " times");
  assert.ok(w.messages.every((m) => m.origin === "https://www.youtube-nocookie.com"), "wrong target origin");
  w.windowFire("message", {source: w.video.contentWindow, origin: "https://www.youtube-nocookie.com",
    data: JSON.stringify({event: "initialDelivery", info: {currentTime: 30, duration: 100}})});
  const before = listening();
  for (let i = 0; i < 8; i++) w.tick(250);
  assert.strictEqual(listening(), before, "still sending listening after the answer");
  // A message from another window is ignored.
  w.windowFire("message", {source: {}, origin: "https://www.youtube-nocookie.com",
    data: JSON.stringify({event: "infoDelivery", info: {currentTime: 99, duration: 100}})});
  // Leaving the page sends the furthest point watched (30 %) as a beacon with the CSRF token.
  w.windowFire("pagehide", {});
  assert.strictEqual(w.beacons.length, 1);
  assert.strictEqual(w.beacons[0].url, "/learn/1/item/7/progress/");
  assert.strictEqual(w.beacons[0].body.get("event"), "watch");
  assert.strictEqual(w.beacons[0].body.get("percent"), "30");
  assert.strictEqual(w.beacons[0].body.get("csrfmiddlewaretoken"), "TOKEN");
}

async function vimeoPingsUntilReadyThenSubscribes() {
  const w = makeWorld({provider: "vimeo"});
  w.run();
  for (let i = 0; i < 3; i++) w.tick(250);
  assert.ok(w.messages.filter((m) => m.msg.method === "ping").length >= 3, "no repeated ping");
  assert.ok(!w.messages.some((m) => m.msg.method === "addEventListener"), "subscribed before ready");
  w.windowFire("message", {source: w.video.contentWindow, origin: "https://player.vimeo.com", data: JSON.stringify({event: "ready"})});
  const subscribed = w.messages.filter((m) => m.msg.method === "addEventListener").map((m) => m.msg.value);
  assert.deepStrictEqual(subscribed.sort(), ["ended", "timeupdate"]);
  assert.ok(w.messages.every((m) => m.origin === "https://player.vimeo.com"), "wrong target origin");
  const pings = w.messages.filter((m) => m.msg.method === "ping").length;
  for (let i = 0; i < 8; i++) w.tick(250);
  assert.strictEqual(w.messages.filter((m) => m.msg.method === "ping").length, pings, "still pinging after ready");
  // The end of the video is reported, and the answer patches the page.
  w.posts.length = 0;
  w.windowFire("message", {source: w.video.contentWindow, origin: "https://player.vimeo.com", data: JSON.stringify({event: "ended"})});
  assert.strictEqual(w.posts.length, 1);
  assert.strictEqual(w.posts[0].init.body.get("event"), "ended");
  // Nothing left to send when the page goes away after the end.
  w.windowFire("pagehide", {});
  assert.strictEqual(w.beacons.length, 0);
}

(async () => {
  const scenarios = [outlineScrollsItsContainerNotTheWindow, markDoneEventPatchesOutlineHeaderAndRow,
    resourceClickIsRecordedWithAPost, youtubeListeningIsRepeatedUntilThePlayerAnswers, vimeoPingsUntilReadyThenSubscribes];
  for (const scenario of scenarios) {
    await scenario();
    await flush();
    console.log("ok " + scenario.name);
  }
})().catch((error) => { console.error(error.stack || error); process.exit(1); });
