package dev.csum.nbd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's TLS identity: an X.509 certificate chain and its private key, from PEM files (as
 * {@code openssl} writes them). With TLS the server insists on it: every option before
 * {@code NBD_OPT_STARTTLS} is answered {@code NBD_REP_ERR_TLS_REQD} (the protocol's FORCEDTLS mode),
 * so a client without TLS learns nothing and reaches nothing. Clients are not asked for
 * certificates. TLS 1.3 and 1.2.
 */
public final class NbdTls {
    private static final Pattern PEM = Pattern.compile(
        "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final SSLContext context;
    private final String description;

    private NbdTls(SSLContext context, String description) {
        this.context = context;
        this.description = description;
    }

    /**
     * Loads a certificate chain and a private key.
     *
     * @param certificateChain PEM: the server's certificate first, then any intermediates
     * @param privateKey PEM: the key as an unencrypted PKCS #8 {@code PRIVATE KEY} (RSA or EC;
     *     {@code openssl genpkey} writes one; convert an {@code RSA PRIVATE KEY} with
     *     {@code openssl pkcs8 -topk8 -nocrypt})
     * @return the identity
     * @throws IOException when a file cannot be read or does not hold what it should (the message
     *     says which file and why)
     */
    public static NbdTls fromPemFiles(Path certificateChain, Path privateKey) throws IOException {
        String certificates = Files.readString(certificateChain, StandardCharsets.US_ASCII);
        String key = Files.readString(privateKey, StandardCharsets.US_ASCII);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> chain;
            try (InputStream in = new ByteArrayInputStream(certificates.getBytes(StandardCharsets.US_ASCII))) {
                chain = factory.generateCertificates(in);
            }
            if (chain.isEmpty()) {
                throw new IOException(certificateChain + ": no PEM certificate in it");
            }
            PrivateKey privateKeyValue = parseKey(privateKey, key);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("nbd", privateKeyValue, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return new NbdTls(context, certificateChain + " with " + privateKey);
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS identity from " + certificateChain + " and " + privateKey + " is unusable: "
                + e.getMessage(), e);
        }
    }

    private static PrivateKey parseKey(Path file, String pem) throws IOException, GeneralSecurityException {
        Matcher matcher = PEM.matcher(pem);
        while (matcher.find()) {
            String type = matcher.group(1);
            if (type.equals("PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(matcher.group(2));
                PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
                for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                    } catch (GeneralSecurityException wrongAlgorithm) {
                        // try the next one
                    }
                }
                throw new IOException(file + ": a PKCS #8 key of an algorithm this JDK cannot use");
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new IOException(file + ": a " + type + "; an unencrypted PKCS #8 'PRIVATE KEY' is needed "
                    + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8)");
            }
        }
        throw new IOException(file + ": no PEM 'PRIVATE KEY' in it");
    }

    SSLContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "TLS " + description;
    }
}
