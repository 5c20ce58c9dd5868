// A table of a network's layers in execution order: one row per layer with its kind, a summary of its
// parameters, the tensors it reads and writes, and the shapes it produces. It displays a network that
// someone else owns and shares; it never changes it.
#pragma once

#include <QAbstractTableModel>
#include <memory>

#include "kiln/network.h"

namespace kiln::views {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IndexColumn,
        NameColumn,
        KindColumn,
        ParamsColumn,
        InputsColumn,
        OutputsColumn,
        OutputShapeColumn,
        ColumnCount
    };

    explicit LayerTableModel(QObject* parent = nullptr);

    // Shows `network` (null shows nothing). The model keeps it alive while it displays it.
    void setNetwork(std::shared_ptr<const NetworkDefinition> network);
    const std::shared_ptr<const NetworkDefinition>& network() const { return m_network; }

    // The layer shown in `row`, or null when the row is out of range.
    const Layer* layerAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString displayText(const Layer& layer, int row, int column) const;

    std::shared_ptr<const NetworkDefinition> m_network;
};

}  // namespace kiln::views
