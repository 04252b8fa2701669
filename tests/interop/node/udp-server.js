// The notes' UDP server (构建UDP服务, 创建UDP服务端), errata fixed: the comma after
// 'message' that the notes lost is back (without it this file does not parse).
//
// One change for the tests, nothing else: the port comes from argv[2] (default 41234, as in
// the notes) and the address from argv[3] (default: none, so every interface, as in the
// notes), so that a test can bind a free port (0) on 127.0.0.1.
var port = process.argv[2] === undefined ? 41234 : Number(process.argv[2]);
var host = process.argv[3];

var dgram = require('dgram');
// 创建server对象
var server = dgram.createSocket('udp4');
// 接到消息时，触发该事件，携带的数据为消息buffer和远程地址信息对象
server.on('message', function (msg, rinfo) {
  console.log(msg)
  console.log(rinfo)
});
// 绑定端口之后启动监听时间
server.on('listening', function () {
  var address = server.address();
  console.log(address);
});
// 绑定端口
server.bind(port, host);
