// The notes' TCP client (构建TCP服务, 1.2 连接事件), as Node runs it.
// Errata 1 fixed: `conosle.log` is `console.log`. The port comes from argv[2] (default 8124).
var net = require('net');
var client = net.connect({ port: Number(process.argv[2] || 8124) }, function () {
  console.log('client connected !');
  client.write('hello');
});

client.on('data', function (data) {
  console.log(data);
  client.end();
});

client.on('end', function () {
  console.log('此连接结束');
});
