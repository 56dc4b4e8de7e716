package vn.phananh.app.push

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import vn.phananh.app.PhanAnhApplication

/**
 * Firebase Cloud Messaging's entry points, handed to the app's [PushReceiver] (the core does
 * the rest). FCM calls both on a background thread of its own and gives a message about ten
 * seconds, so the work is done here, bounded, rather than left to a scope the system may kill.
 */
class FcmService : FirebaseMessagingService() {
    private val receiver: PushReceiver get() = (application as PhanAnhApplication).graph.push

    override fun onNewToken(token: String) {
        runBlocking { withTimeoutOrNull(HANDLING_MS) { receiver.onNewToken(token) } }
    }

    /**
     * Data messages, and the server's status messages while the app is in the foreground. In
     * the background FCM itself shows the message's notification (the server's title and
     * text) and the app learns the new status at its next sync or when it is opened.
     */
    override fun onMessageReceived(message: RemoteMessage) {
        runBlocking { withTimeoutOrNull(HANDLING_MS) { receiver.onMessage(message.data) } }
    }

    private companion object {
        /** Below FCM's ~10 s for handling a message. */
        const val HANDLING_MS = 8_000L
    }
}
