// The phone's position for a scan: one fix with its accuracy, or null with the reason (the scan is still sent:
// the server flags a scan without a position, it does not block it).
export function position({ timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) {
      resolve({ coords: null, error: "此浏览器不能定位" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ coords: { latitude: p.coords.latitude, longitude: p.coords.longitude,
        accuracy_m: Math.min(p.coords.accuracy, 100000) }, error: "" }),
      (e) => resolve({ coords: null, error: e.code === 1 ? "未允许定位" : "定位失败" }),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30000 },
    );
  });
}
