// The book's HTTP client (《深入浅出Node.js》 §7.3, http.request), as Node runs it.
// Changes from the book, so that tests can point it anywhere and compare failures:
// port, host, path and method come from argv[2..5] (defaults 1337, localhost, /, GET), and an
// 'error' (on the request or the response) prints Node's message as one line, `Error: ...`,
// and exits 1 (the book attaches no handler: Node would print the same line inside a stack).
var http = require('http');
var options = {
  hostname: process.argv[3] || 'localhost',
  port: Number(process.argv[2] || 1337),
  path: process.argv[4] || '/',
  method: process.argv[5] || 'GET'
};
function fail(err) {
  console.error('Error: ' + err.message);
  process.exit(1);
}
var req = http.request(options, function (res) {
  console.log('STATUS: ' + res.statusCode);
  console.log('HEADERS: ' + JSON.stringify(res.headers));
  res.setEncoding('utf8');
  res.on('data', function (chunk) {
    console.log(chunk);
  });
  res.on('error', fail);
});
req.on('error', fail);
req.end();
