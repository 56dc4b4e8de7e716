package vn.phananh.app.camera

/** What the in-app camera records (kept apart from the CameraX screen, which needs its AARs). */
enum class CaptureMode { PHOTO, VIDEO }
