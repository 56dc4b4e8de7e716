package vn.phananh.app.push

/**
 * Where the platform's push token comes from. A Play build has Firebase Cloud Messaging
 * (`src/play`: FcmTokenSource); a build without Google Play services has no push service
 * ([NONE]) and learns of status changes from its sync runs only.
 */
interface PushTokenSource {
    /** The current token, or null when this build has no push service. */
    suspend fun currentToken(): String?

    /** No push service in this build. */
    object NONE : PushTokenSource {
        override suspend fun currentToken(): String? = null
    }
}

/**
 * What the platform's push service hands to the app (FirebaseMessagingService in a Play build:
 * `onNewToken`, `onMessageReceived`).
 */
interface PushReceiver {
    /** A new token (first start, reinstall, token rotated). */
    suspend fun onNewToken(token: String)

    /** A push arrived with this data map (FCM `RemoteMessage.data`). */
    suspend fun onMessage(data: Map<String, String>)
}
