/*
 * Optional proof of work for the report form (tipline/proof_of_work.py explains it).
 *
 * While the person writes, find a counter such that
 * SHA-256("tipline-pow-v1:" + form token + ":" + counter) starts with data-pow-bits zero
 * bits, and put it in the hidden pow_solution input. A report with a solution draws
 * from its own lane of the new-tip bucket. Nothing depends on this script: without it (no
 * JavaScript, an old browser, an error) the form is sent as it is. After "Send" is
 * pressed it waits at most MAX_WAIT_MS for the solution, then sends without one.
 * It also stops a second press from sending the report twice.
 */
(function () {
  "use strict";

  var MAX_WAIT_MS = 3000;
  var SLICE_MS = 12;
  var PREFIX = "tipline-pow-v1:";

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var INITIAL = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  ];
  var W = new Uint32Array(64);

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // One SHA-256 compression of the 64 bytes at block[offset...] into state H.
  function compress(H, block, offset) {
    var i;
    for (i = 0; i < 16; i++) {
      var j = offset + 4 * i;
      W[i] = (block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3];
    }
    for (i = 16; i < 64; i++) {
      var x = W[i - 15];
      var y = W[i - 2];
      var s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      var s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (i = 0; i < 64; i++) {
      var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
  }

  function asciiBytes(text) {
    var bytes = [];
    for (var i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff);
    return bytes;
  }

  // Hashes prefix + counter; the prefix's whole 64-byte blocks are compressed once.
  function Hasher(prefix) {
    var bytes = asciiBytes(prefix);
    var whole = Math.floor(bytes.length / 64) * 64;
    this.midstate = new Int32Array(INITIAL);
    for (var offset = 0; offset < whole; offset += 64) compress(this.midstate, bytes, offset);
    this.tail = bytes.slice(whole);
    this.length = bytes.length;
  }

  Hasher.prototype.digestWords = function (counter) {
    var message = this.tail.concat(asciiBytes(counter));
    var bitLength = (this.length + counter.length) * 8;
    message.push(0x80);
    while (message.length % 64 !== 56) message.push(0);
    var high = Math.floor(bitLength / 0x100000000);
    message.push((high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    message.push((bitLength >>> 24) & 0xff, (bitLength >>> 16) & 0xff, (bitLength >>> 8) & 0xff, bitLength & 0xff);
    var state = new Int32Array(this.midstate);
    for (var offset = 0; offset < message.length; offset += 64) compress(state, message, offset);
    return state;
  };

  Hasher.prototype.leadingZeroBits = function (counter) {
    var state = this.digestWords(counter);
    var bits = 0;
    for (var i = 0; i < 8; i++) {
      var zeros = Math.clz32(state[i]);
      bits += zeros;
      if (zeros < 32) break;
    }
    return bits;
  };

  function solve(token, bits, counterFrom, count) {
    var hasher = new Hasher(PREFIX + token + ":");
    for (var counter = counterFrom; counter < counterFrom + count; counter++) {
      if (hasher.leadingZeroBits(String(counter)) >= bits) return String(counter);
    }
    return null;
  }

  function protect(form) {
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
    var token = form.querySelector('input[name="form_token"]');
    var solution = form.querySelector('input[name="pow_solution"]');
    if (!(bits > 0) || !token || !solution || !Math.clz32) return;
    var hasher = new Hasher(PREFIX + token.value + ":");
    var counter = 0;
    var solving = true;
    var pressed = false;
    var sent = false;

    function send() {
      if (sent) return;
      sent = true;
      form.submit();
    }

    function work() {
      var until = Date.now() + SLICE_MS;
      while (Date.now() < until) {
        for (var i = 0; i < 256; i++, counter++) {
          if (hasher.leadingZeroBits(String(counter)) >= bits) {
            solution.value = String(counter);
            solving = false;
            if (pressed) send();
            return;
          }
        }
      }
      setTimeout(work, 0);
    }

    form.addEventListener("submit", function (event) {
      if (pressed) {
        event.preventDefault();
        return;
      }
      pressed = true;
      var buttons = form.querySelectorAll('button[type="submit"]');
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
      if (!solving) return;
      event.preventDefault();
      form.classList.add("pow-waiting");
      setTimeout(send, MAX_WAIT_MS);
    });
    setTimeout(work, 0);
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { Hasher: Hasher, solve: solve };
  }
  if (typeof document !== "undefined") {
    var init = function () {
      var form = document.getElementById("report-form");
      if (form) protect(form);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  }
})();
