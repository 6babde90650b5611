package dev.csum.engine;

import dev.csum.IoCallback;
import java.io.IOException;

/** Test helper: records the completion of one operation started through the callback API. */
final class Outcome implements IoCallback {
    boolean done;
    IOException failure;

    @Override
    public void onComplete(long token, IOException error) {
        done = true;
        failure = error;
    }
}
