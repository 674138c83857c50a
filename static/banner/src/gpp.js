// IAB Global Privacy Platform for US opt-out pages: the `__gpp` CMP API (v1.1) and the GPP string with
// the usnat and usca sections. Built as its own small bundle and sent only to visitors under a
// regulation with GPP sections, so opt-in pages carry none of it. Tests decode every string with the
// IAB's own @iabgpp/cmpapi.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const N = 0; // not applicable
const YES = 1;
const NO = 2;

function bits(value, width) {
  return value.toString(2).padStart(width, "0");
}

function fibonacci(value) {
  const fib = [1, 2];
  while (fib[fib.length - 1] + fib[fib.length - 2] <= value) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
  let out = "";
  for (let i = fib.length - 1; i >= 0; i--) {
    if (fib[i] <= value) {
      out = "1" + out;
      value -= fib[i];
    } else if (out) out = "0" + out;
  }
  return out + "1";
}

function base64(bitString) {
  while (bitString.length % 8) bitString += "0";
  while (bitString.length % 6) bitString += "0";
  let out = "";
  for (let i = 0; i < bitString.length; i += 6) out += B64[parseInt(bitString.slice(i, i + 6), 2)];
  return out;
}

// Field order and widths as the specification lists them: [name, width, count].
const SECTIONS = {
  usnat: {
    id: 7,
    version: 2,
    core: [
      ["SharingNotice", 2], ["SaleOptOutNotice", 2], ["SharingOptOutNotice", 2], ["TargetedAdvertisingOptOutNotice", 2],
      ["SensitiveDataProcessingOptOutNotice", 2], ["SensitiveDataLimitUseNotice", 2], ["SaleOptOut", 2],
      ["SharingOptOut", 2], ["TargetedAdvertisingOptOut", 2], ["SensitiveDataProcessing", 2, 16],
      ["KnownChildSensitiveDataConsents", 2, 3], ["PersonalDataConsents", 2], ["MspaCoveredTransaction", 2],
      ["MspaOptOutOptionMode", 2], ["MspaServiceProviderMode", 2],
    ],
  },
  usca: {
    id: 8,
    version: 1,
    core: [
      ["SaleOptOutNotice", 2], ["SharingOptOutNotice", 2], ["SensitiveDataLimitUseNotice", 2], ["SaleOptOut", 2],
      ["SharingOptOut", 2], ["SensitiveDataProcessing", 2, 9], ["KnownChildSensitiveDataConsents", 2, 2],
      ["PersonalDataConsents", 2], ["MspaCoveredTransaction", 2], ["MspaOptOutOptionMode", 2],
      ["MspaServiceProviderMode", 2],
    ],
  },
};

/** Return a section's fields for the visitor's choices: notices given, opt-outs as chosen, GPC. */
function sectionFields(name, choice) {
  const spec = SECTIONS[name];
  const fields = { Version: spec.version };
  for (const [field, , count] of spec.core) fields[field] = count ? new Array(count).fill(N) : N;
  const optOut = (on) => (on ? YES : NO);
  fields.SharingNotice = name === "usnat" ? YES : undefined;
  fields.SaleOptOutNotice = YES;
  fields.SharingOptOutNotice = YES;
  if (name === "usnat") fields.TargetedAdvertisingOptOutNotice = YES;
  fields.SaleOptOut = optOut(choice.saleOptOut);
  fields.SharingOptOut = optOut(choice.sharingOptOut);
  if (name === "usnat") fields.TargetedAdvertisingOptOut = optOut(choice.targetedAdvertisingOptOut);
  // Not a transaction under the IAB's Multi-State Privacy Agreement unless the operator signed it.
  fields.MspaCoveredTransaction = NO;
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  fields.GpcSegmentType = 1;
  fields.GpcSegmentIncluded = true;
  fields.Gpc = Boolean(choice.gpc);
  return fields;
}

function sectionEncode(name, fields) {
  const spec = SECTIONS[name];
  let core = bits(spec.version, 6);
  for (const [field, width, count] of spec.core) {
    for (const value of count ? fields[field] : [fields[field]]) core += bits(value, width);
  }
  return `${base64(core)}.${base64(bits(1, 2) + (fields.Gpc ? "1" : "0"))}`;
}

function headerEncode(ids) {
  // Type 3 (GPP header), version 1, then the section ids as a Fibonacci-coded range list.
  let out = bits(3, 6) + bits(1, 6);
  const sorted = [...ids].sort((a, b) => a - b);
  const groups = [];
  for (const id of sorted) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === id) last.push(id);
    else groups.push([id]);
  }
  out += bits(groups.length, 12);
  let offset = 0;
  for (const group of groups) {
    const first = group[0];
    const last = group[group.length - 1];
    if (group.length === 1) out += "0" + fibonacci(first - offset);
    else out += "1" + fibonacci(first - offset) + fibonacci(last - first);
    offset = last;
  }
  return base64(out);
}

/** Install `__gpp` for the given sections; return the handle the banner updates. */
export function gppCreate(names, cmpId = 0) {
  const sections = names.filter((name) => SECTIONS[name]);
  const listeners = new Map();
  let nextId = 0;
  let parsed = {};
  let gppString = headerEncode([]); // no section until the banner knows the visitor's choices
  let signalStatus = "not ready";
  let displayStatus = "hidden";

  const ping = () => ({
    gppVersion: "1.1",
    cmpStatus: "loaded",
    cmpDisplayStatus: displayStatus,
    signalStatus,
    supportedAPIs: sections.map((name) => `${SECTIONS[name].id}:${name}`),
    cmpId,
    sectionList: sections.map((name) => SECTIONS[name].id),
    applicableSections: sections.length ? sections.map((name) => SECTIONS[name].id) : [-1],
    gppString,
    parsedSections: parsed,
  });
  const emit = (eventName, data) => {
    for (const [listenerId, callback] of listeners) callback({ eventName, listenerId, data, pingData: ping() }, true);
  };
  const commands = {
    ping: (callback) => callback(ping(), true),
    addEventListener(callback) {
      const listenerId = nextId++;
      listeners.set(listenerId, callback);
      callback({ eventName: "listenerRegistered", listenerId, data: true, pingData: ping() }, true);
    },
    removeEventListener: (callback, id) => callback(listeners.delete(id), true),
    hasSection: (callback, name) => callback(Boolean(parsed[name]), true),
    getSection: (callback, name) => callback(parsed[name] || null, true),
    getField(callback, path) {
      const [name, field] = String(path).split(".");
      const section = parsed[name];
      callback(section && field in section ? section[field] : null, true);
    },
  };

  const queued = (window.__gpp && window.__gpp.queue) || [];
  function api(command, callback, parameter) {
    if (command === "queue") return queued;
    const run = commands[command];
    if (typeof callback !== "function") return undefined;
    if (!run) return callback(null, false);
    return run(callback, parameter);
  }
  window.__gpp = api;
  // Calls from iframes arrive as postMessage({__gppCall: {command, parameter, version, callId}}).
  window.addEventListener("message", (event) => {
    const call = event.data && event.data.__gppCall;
    if (!call || !event.source) return;
    api(call.command, (returnValue, success) => {
      event.source.postMessage({ __gppReturn: { returnValue, success, callId: call.callId } }, "*");
    }, call.parameter);
  });
  for (const args of queued) api(...args);
  // Frames find the CMP's window by this name (the specification's locator frame).
  const locatorAdd = () => {
    if (window.frames.__gppLocator || !document.body) return;
    const locator = document.createElement("iframe");
    locator.name = "__gppLocator";
    locator.title = "GPP locator";
    locator.hidden = true;
    locator.setAttribute("aria-hidden", "true");
    document.body.appendChild(locator);
  };
  // The banner runs first in <head>, before there is a body to hold the frame.
  if (document.body) locatorAdd();
  else window.addEventListener("DOMContentLoaded", locatorAdd, { once: true });

  return {
    update(choice) {
      parsed = {};
      const encoded = sections.map((name) => {
        parsed[name] = sectionFields(name, choice);
        return sectionEncode(name, parsed[name]);
      });
      gppString = [headerEncode(sections.map((name) => SECTIONS[name].id)), ...encoded].join("~");
      signalStatus = "ready";
      emit("sectionChange", sections);
      emit("signalStatus", "ready");
    },
    display(status) {
      displayStatus = status;
      emit("cmpDisplayStatus", status);
    },
    string: () => gppString,
  };
}
