package dev.distill.common.data;

/** The data set files are not where we looked; the message says where and how to install or point elsewhere. */
public class DatasetNotFoundException extends DatasetException {

    private static final long serialVersionUID = 1L;

    public DatasetNotFoundException(String message) {
        super(message);
    }
}
