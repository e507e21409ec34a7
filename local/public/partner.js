// The API on the other origin (same port, the other loopback name).
var api = (location.hostname === 'localhost' ? 'http://127.0.0.1:' : 'http://localhost:') + location.port;
document.getElementById('signup').action = api + '/forms/newsletter';
var snippet = document.createElement('script');
snippet.src = api + '/embed.js';
document.head.appendChild(snippet);
