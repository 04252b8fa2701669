// The notes' TCP server (构建TCP服务, 1.1 服务器事件): the Node peer of the TCP benchmarks.
// Changes, so that the bench can use a free port on loopback: the port comes from argv[2]
// (default 8124, as in the notes), the server listens on 127.0.0.1 (as tcp-server does by
// default), and the listening line prints the port actually bound.
var net = require('net');
var server = net.createServer(function (socket) {
  socket.on('data', function (data) {
    socket.write('hello');
  });
  socket.on('end', function () {
    console.log('断开连接');
  });
});
server.listen(Number(process.argv[2] || 8124), '127.0.0.1', function () {
  console.log('server start listen port ' + server.address().port + ' !');
});
