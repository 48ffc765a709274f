package dev.distill.teacher.inference;

/** A teacher model could not be loaded or failed to score a batch. */
public class TeacherModelException extends RuntimeException {

    public TeacherModelException(String message) {
        super(message);
    }

    public TeacherModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
