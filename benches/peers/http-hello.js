// The book's hello-world HTTP server (《深入浅出Node.js》 §7.3): the Node peer of the HTTP
// benchmarks. One change, so that the bench can use a free port: the port comes from argv[2]
// (default 1337, as in the book) and the printed line carries the port actually bound.
var http = require('http');
var server = http.createServer(function (req, res) {
  res.writeHead(200, {'Content-Type': 'text/plain'});
  res.end('Hello World\n');
}).listen(Number(process.argv[2] || 1337), '127.0.0.1', function () {
  console.log('Server running at http://127.0.0.1:' + server.address().port + '/');
});
