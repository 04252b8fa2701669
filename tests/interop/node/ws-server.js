// An echo server made with the `ws` package, Node's usual WebSocket server
// (`npm ci --prefix tests/interop/node` installs it): `node ws-server.js [PROTOCOL,...]`.
// Listens on 127.0.0.1, port 0, prints `listening PORT`; for the one connection it takes, it
// pings the client, echoes every message with its type, then prints what it saw and exits.
var ws;
try {
  ws = require('ws');
} catch (e) {
  console.error('missing peer: the npm package `ws` (npm ci --prefix tests/interop/node): ' +
    e.message);
  process.exit(3);
}
var protocols = process.argv[2] ? process.argv[2].split(',') : null;

setTimeout(function () {
  console.log('timeout');
  process.exit(1);
}, 15000).unref();

var server = new ws.WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  handleProtocols: function (offered) {
    if (!protocols) { return false; }
    var chosen = protocols.find(function (p) { return offered.has(p); });
    return chosen === undefined ? false : chosen;
  }
}, function () {
  console.log('listening ' + server.address().port);
});

server.on('connection', function (socket, req) {
  console.log('connection, protocol ' + JSON.stringify(socket.protocol));
  socket.on('pong', function (data) {
    console.log('pong ' + JSON.stringify(data.toString()));
  });
  socket.ping('are you there?');
  socket.on('message', function (data, isBinary) {
    var kind = isBinary ? 'binary' : 'text';
    console.log('message ' + kind + ' ' + JSON.stringify(data.toString()));
    socket.send(data, { binary: isBinary });
  });
  socket.on('error', function (e) {
    console.log('error ' + e.message);
  });
  socket.on('close', function (code, reason) {
    console.log('close ' + code + ' ' + JSON.stringify(reason.toString()));
    server.close(function () { process.exit(0); });
  });
});
