// The book's HTTP client (《深入浅出Node.js》 §7.3, http.request), as Node runs it.
// Changes from the book, so that tests can point it anywhere: host, port and path come from
// argv[2], argv[3] and argv[4] (defaults 127.0.0.1, 1337 and /).
var http = require('http');
var options = {
  hostname: process.argv[2] || '127.0.0.1',
  port: Number(process.argv[3] || 1337),
  path: process.argv[4] || '/',
  method: 'GET'
};
var req = http.request(options, function (res) {
  console.log('STATUS: ' + res.statusCode);
  console.log('HEADERS: ' + JSON.stringify(res.headers));
  res.setEncoding('utf8');
  res.on('data', function (chunk) {
    console.log(chunk);
  });
});
req.end();
