// Loaded right after leaflet.js inside the map frame: Leaflet's default marker images are served by
// the app (relative to the frame, so this also works under a base path).
L.Icon.Default.imagePath = "../../app/static/vendor/leaflet/images/";
