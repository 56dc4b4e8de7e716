package vn.phananh.app.platform

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import vn.phananh.core.PlatformException
import vn.phananh.core.SecretStore

/**
 * The core's [SecretStore] (session tokens) on Android: values are encrypted with an AES-256-GCM
 * key that never leaves the Android Keystore, and the ciphertext is kept in a private
 * SharedPreferences file excluded from backups. A value that can no longer be decrypted (key
 * invalidated, data restored onto another device) reads as absent: the user signs in again.
 */
class KeystoreSecretStore(context: Context) : SecretStore {
    private val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    override fun get(key: String): String? {
        val stored = prefs.getString(key, null) ?: return null
        return try {
            val bytes = Base64.decode(stored, Base64.NO_WRAP)
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, secretKey(), GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES))
            String(cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES), Charsets.UTF_8)
        } catch (e: KeyPermanentlyInvalidatedException) {
            forget(key)
        } catch (e: AEADBadTagException) {
            forget(key)
        } catch (e: IllegalArgumentException) { // not Base64: written by something else
            forget(key)
        } catch (e: GeneralSecurityException) {
            throw PlatformException.Failed("keystore_io")
        }
    }

    override fun set(key: String, value: String) {
        try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, secretKey())
            val sealed = cipher.iv + cipher.doFinal(value.toByteArray(Charsets.UTF_8))
            // commit(), not apply(): the core relies on the token being stored when this returns.
            if (!prefs.edit().putString(key, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()) {
                throw PlatformException.Failed("keystore_io")
            }
        } catch (e: GeneralSecurityException) {
            throw PlatformException.Failed("keystore_io")
        }
    }

    override fun delete(key: String) {
        if (!prefs.edit().remove(key).commit()) throw PlatformException.Failed("keystore_io")
    }

    private fun forget(key: String): String? {
        prefs.edit().remove(key).commit()
        return null
    }

    @Synchronized
    private fun secretKey(): SecretKey {
        val keyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val PREFS = "phananh_secrets"
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "phananh.session"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
