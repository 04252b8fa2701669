// A WebSocket echo server on the `ws` package (the one Node programs use; installed here by
// `npm ci` from package-lock.json): the Node peer of the WebSocket benchmarks. Like ws-server it
// echoes every message with its type, takes upgrades on any path, and listens on 127.0.0.1;
// the port comes from argv[2] (default 12010). `ws` defaults are kept: no permessage-deflate
// unless the client asks (ours does not), 100 MiB maximum message.
var http = require('http');
var WebSocket = require('ws');
var server = http.createServer(function (req, res) {
  res.writeHead(426, {'Content-Type': 'text/plain'});
  res.end('this server speaks WebSocket\n');
});
var wss = new WebSocket.WebSocketServer({ server: server });
wss.on('connection', function (ws) {
  ws.on('message', function (data, isBinary) {
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', function () {});
});
server.listen(Number(process.argv[2] || 12010), '127.0.0.1', function () {
  console.log('WebSocket server listening at ws://127.0.0.1:' + server.address().port + '/updates');
});
