// The book's browser client (《深入浅出Node.js》 §7.5.1), run by Node 20's built-in WebSocket,
// the browser's API (from undici): `node --experimental-websocket ws-client.js URL [PROTOCOL]`.
// Changes from the book, so that a test can check the round trip: the URL comes from argv[2]
// (default the book's), it sends a few messages of both types on open, prints each reply with
// its type, then closes with 1000 and prints how the close went. Every wait has a deadline.
var url = process.argv[2] || 'ws://127.0.0.1:12010/updates';
var protocols = process.argv[3] ? process.argv[3].split(',') : [];
var big = new Uint8Array(300000).map(function (_, i) { return (i * 7) % 256; });
var messages = ['hello', '中文 ✓', '', new Uint8Array([0, 1, 254, 255]), big];

setTimeout(function () {
  console.log('timeout');
  process.exit(1);
}, 10000).unref();

var socket = new WebSocket(url, protocols);
socket.binaryType = 'arraybuffer';
var replies = 0;

function show(data) {
  if (typeof data === 'string') {
    return 'text ' + JSON.stringify(data);
  }
  var bytes = new Uint8Array(data);
  var sent = messages[replies];
  var equal = sent instanceof Uint8Array && sent.length === bytes.length &&
    sent.every(function (b, i) { return b === bytes[i]; });
  var head = Array.from(bytes.slice(0, 4), function (b) {
    return b.toString(16).padStart(2, '0');
  });
  return 'binary ' + bytes.length + ' bytes <' + head.join(' ') + '> equal ' + equal;
}

socket.onopen = function () {
  console.log('open, protocol ' + JSON.stringify(socket.protocol));
  messages.forEach(function (m) { socket.send(m); });
};
socket.onmessage = function (event) {
  console.log(show(event.data));
  replies += 1;
  if (replies === messages.length) {
    socket.close(1000, 'done');
  }
};
socket.onerror = function (event) {
  console.log('error ' + (event.message || event.type));
};
socket.onclose = function (event) {
  console.log('close ' + event.code + ' ' + JSON.stringify(event.reason) +
    ' wasClean ' + event.wasClean);
};
