// The notes' UDP client (构建UDP服务, 创建UDP客户端), errata fixed: `new Buffer('hello')`
// (deprecated, and unsafe in old Node) is `Buffer.from('hello')`.
//
// One change for the tests, nothing else: the port comes from argv[2] (default 41234, as in
// the notes), so that a test can send to a server on a free port.
var port = process.argv[2] === undefined ? 41234 : Number(process.argv[2]);

var dgram = require('dgram');

var message = Buffer.from('hello');
var client = dgram.createSocket('udp4');
client.send(message, 0, message.length, port, 'localhost', function (err, bytes) {
  client.close();
});
