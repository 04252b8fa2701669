// The notes' TCP server (构建TCP服务, 1.1 服务器事件), as Node runs it.
// Changes from the notes, so that tests can use a free port: the port comes from argv[2]
// (default 8124, as in the notes) and the listening line prints the port actually bound.
var net = require('net');
var server = net.createServer(function (socket) {
  // 开始新连接
  socket.on('data', function (data) {
    socket.write('hello');
  });

  // 断开连接
  socket.on('end', function () {
    console.log('断开连接');
  });
});

server.listen(Number(process.argv[2] || 8124), function () {
  console.log('server start listen port ' + server.address().port + ' !');
});
