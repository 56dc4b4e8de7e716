package vn.phananh.app.push

import com.google.firebase.messaging.FirebaseMessaging
import kotlinx.coroutines.tasks.await

/** The FCM registration token of this install (asked at every start; FcmService hears of new ones). */
class FcmTokenSource : PushTokenSource {
    override suspend fun currentToken(): String? = FirebaseMessaging.getInstance().token.await()
}
